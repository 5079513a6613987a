'use strict';
/**
 * The limit: a bare `ws` client with no MQTT client logic. It writes PUBLISH packets encoded
 * once up front by mqtt-packet (a small pool of message ids for QoS 1/2), answers the
 * broker's acks with fixed 4-byte packets and, as a subscriber, only counts PUBLISH packets
 * (the payload is never copied out). Everything written in one turn of the event loop
 * leaves as one WebSocket message at the end of the turn (a microtask), up to 32 KiB at a
 * time, the batching the fastest client could do (mpmqtt coalesces the same way), so a
 * client cannot beat it by framing fewer messages. It has the MQTT.js surface the benchmarks drive:
 * connect(url, opts) → emitter with publish/subscribe/end and 'connect'/'message' events.
 * `ws://` URLs go over WebSocket; `tcp://host:port` over Mosquitto's plain listener.
 */
const { EventEmitter } = require('events');
const net = require('net');
const WebSocket = require('ws');
const mqttPacket = require('mqtt-packet');

/** Reassembles MQTT packets from WebSocket messages (split and joined packets both happen). */
class Splitter {
  constructor(onPacket) {
    this.onPacket = onPacket; // (type, flags, buf, bodyStart, end)
    this.chunks = [];
    this.total = 0;
    this.need = 0; // whole packet length once known, else 0
  }

  /** Header of the packet at buf[off]: {length, bodyStart} or null when incomplete. */
  static header(buf, off) {
    let mult = 1;
    let len = 0;
    for (let i = off + 1; i < buf.length && i < off + 5; i++) {
      const b = buf[i];
      len += (b & 0x7f) * mult;
      if (!(b & 0x80)) return { length: i + 1 - off + len, bodyStart: i + 1 };
      mult *= 128;
    }
    return null;
  }

  push(data) {
    if (this.total) {
      this.chunks.push(data);
      this.total += data.length;
      if (this.need === 0 || this.total >= this.need) {
        const joined = Buffer.concat(this.chunks, this.total);
        this.chunks = [];
        this.total = 0;
        this.need = 0;
        this.scan(joined);
      }
      return;
    }
    this.scan(data);
  }

  scan(buf) {
    let off = 0;
    while (off < buf.length) {
      const h = Splitter.header(buf, off);
      if (!h || off + h.length > buf.length) {
        this.chunks = [buf.subarray(off)];
        this.total = buf.length - off;
        this.need = h ? h.length : 0;
        return;
      }
      this.onPacket(buf[off] >> 4, buf[off] & 15, buf, h.bodyStart, off + h.length);
      off += h.length;
    }
  }
}

/** Bytes written in one turn leave together once this many are pending (mpmqtt's COALESCE_BYTES). */
const BATCH_BYTES = 32768;

function ack(type, flags, id) {
  return Buffer.from([(type << 4) | flags, 2, id >> 8, id & 0xff]);
}

class RawClient extends EventEmitter {
  constructor(url, opts) {
    super();
    this.options = opts || {};
    this.connected = false;
    this.pools = new Map(); // "qos|topic|len" -> {frames, next}
    this.subscribeCb = null;
    this.acks = [];
    this.splitter = new Splitter((type, flags, buf, start, end) => this.onPacket(type, flags, buf, start, end));
    this.closed = false;
    this.ending = false;
    this.pending = [];
    this.pendingBytes = 0;
    this.flushQueued = false;
    const hello = () => this.send(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: this.options.clientId, keepalive: 0 }));
    const onData = (data) => {
      this.splitter.push(data);
      this.flushAcks();
    };
    const onClose = () => {
      this.closed = true;
      this.connected = false;
      this.emit('close');
    };
    if (/^tcp:\/\//.test(url)) {
      const m = /^tcp:\/\/([^:/]+):(\d+)/.exec(url);
      this.sock = net.connect(Number(m[2]), m[1]);
      this.sock.setNoDelay(true);
      this.sock.on('connect', hello);
      this.sock.on('data', onData);
      this.sock.on('error', (err) => this.ending || this.emit('error', err));
      this.sock.on('close', onClose);
      this.write = (buf) => {
        if (!this.ending) this.sock.write(buf);
      };
      this.close = () => this.sock.end();
    } else {
      const ws = new WebSocket(url, ['mqtt'], { perMessageDeflate: false });
      ws.binaryType = 'nodebuffer';
      ws.on('open', hello);
      ws.on('message', onData);
      ws.on('error', (err) => this.ending || this.emit('error', err));
      ws.on('close', onClose);
      this.write = (buf) => {
        if (!this.ending) ws.send(buf);
      };
      this.close = () => ws.close();
    }
  }

  onPacket(type, flags, buf, start, end) {
    switch (type) {
      case 2: // CONNACK
        if (buf[start + 1] !== 0) return this.emit('error', new Error('connection refused ' + buf[start + 1]));
        this.connected = true;
        return this.emit('connect');
      case 3: {
        // PUBLISH: answer QoS 1/2 with a fixed ack, count it.
        const qos = (flags >> 1) & 3;
        if (qos) {
          const topicLen = (buf[start] << 8) | buf[start + 1];
          const idAt = start + 2 + topicLen;
          const id = (buf[idAt] << 8) | buf[idAt + 1];
          this.acks.push(qos === 1 ? ack(4, 0, id) : ack(5, 0, id));
        }
        return this.emit('message');
      }
      case 5: // PUBREC to our QoS 2 publish
        return this.acks.push(ack(6, 2, (buf[start] << 8) | buf[start + 1]));
      case 6: // PUBREL for a QoS 2 message we received
        return this.acks.push(ack(7, 0, (buf[start] << 8) | buf[start + 1]));
      case 9: {
        const cb = this.subscribeCb;
        this.subscribeCb = null;
        if (cb) cb(null, [{ qos: buf[end - 1] }]);
        return undefined;
      }
      default:
        return undefined; // PUBACK, PUBCOMP, PINGRESP: nothing to do
    }
  }

  /** The acks owed for an incoming WebSocket message join this turn's batch. */
  flushAcks() {
    for (const a of this.acks) this.send(a);
    this.acks = [];
  }

  /** Queues bytes for this turn's one WebSocket message. */
  send(buf) {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= BATCH_BYTES) return this.flush();
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return undefined;
  }

  flush() {
    this.flushQueued = false;
    if (this.pending.length === 0) return;
    const out = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.write(out);
  }

  subscribe(topic, opts, cb) {
    this.subscribeCb = cb;
    this.send(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: opts.qos }] }));
    return this;
  }

  /** Frames for (topic, payload size, qos), encoded on first use: one for QoS 0, a pool of ids otherwise. */
  pool(topic, payload, qos) {
    const key = qos + '|' + topic + '|' + payload.length;
    let p = this.pools.get(key);
    if (!p) {
      // Ids are reused only far behind the in-flight window the benchmarks keep (≤ 100).
      const count = qos === 0 ? 1 : payload.length > 8192 ? 64 : 512;
      const frames = [];
      for (let i = 0; i < count; i++) {
        frames.push(mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: qos ? i + 1 : undefined, retain: false, dup: false }));
      }
      p = { frames, next: 0 };
      this.pools.set(key, p);
    }
    return p;
  }

  publish(topic, payload, opts) {
    const p = this.pool(topic, payload, (opts && opts.qos) || 0);
    this.send(p.frames[p.next]);
    p.next = (p.next + 1) % p.frames.length;
    return this;
  }

  end(force, opts, cb) {
    const done = typeof cb === 'function' ? cb : typeof opts === 'function' ? opts : () => {};
    if (this.closed) {
      setImmediate(done);
      return this;
    }
    this.once('close', () => done());
    if (this.connected) this.send(Buffer.from([0xe0, 0]));
    this.flush();
    this.ending = true;
    this.close();
    return this;
  }
}

function connect(url, opts) {
  return new RawClient(url, opts);
}

module.exports = { connect, Splitter };
