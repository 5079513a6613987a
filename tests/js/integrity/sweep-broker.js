'use strict';
/**
 * A scripted MQTT broker over WebSocket on 127.0.0.1 for the boundary sweep. Unlike
 * tests/reliability/fake-broker.js it keeps every byte the client sent, cut into packets by
 * its own Remaining Length reader (each packet's raw bytes, to compare byte for byte), and
 * writes its answers by hand, so the test decides how an incoming PUBLISH is cut into
 * WebSocket messages. Every packet is also parsed with mqtt-packet, a codec we did not write.
 *
 *   const broker = await startSweepBroker();
 *   broker.onConnect = (connect, conn) => ({ maximumPacketSize: 1000 }); // v5 CONNACK properties
 *   conn = await broker.nextConnection();
 *   conn.sendInMessages(frame, 65536);   // or conn.sendInMessages(frame) for one message
 *   await conn.waitFor(() => conn.packets.find(...));
 *   await broker.stop();
 *
 * Answers: CONNACK (accepted), PUBACK / PUBREC for the client's PUBLISH, PUBREL for its PUBREC,
 * PUBCOMP for its PUBREL, SUBACK, PINGRESP.
 */
const http = require('http');
const { WebSocketServer } = require('ws');
const mqttPacket = require('mqtt-packet');
const { waitFor } = require('../../reliability/harness');

const TYPE = { CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBSCRIBE: 8, PINGREQ: 12, DISCONNECT: 14 };

const idBytes = (id) => [id >> 8, id & 255];

/** v5 CONNACK properties the sweep uses, as a property section body. */
function connackProperties({ maximumPacketSize } = {}) {
  const out = [];
  if (maximumPacketSize !== undefined) out.push(0x27, (maximumPacketSize >>> 24) & 255, (maximumPacketSize >>> 16) & 255, (maximumPacketSize >>> 8) & 255, maximumPacketSize & 255);
  return out;
}

function connack(version, properties) {
  if (version !== 5) return Buffer.from([0x20, 2, 0, 0]);
  const props = connackProperties(properties);
  return Buffer.from([0x20, 3 + props.length, 0, 0, props.length, ...props]);
}

/** Cuts a byte stream into MQTT packets by their fixed headers; keeps each packet's raw bytes. */
class PacketSplitter {
  constructor() {
    this.chunks = [];
    this.buffered = 0;
    this.need = null; // total bytes of the packet being collected, once its header is known
  }

  /** @returns {{type, flags, remainingLength, raw}[]} the packets completed by `chunk` */
  push(chunk) {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const done = [];
    for (;;) {
      if (this.need === null) {
        const head = this.peek(Math.min(5, this.buffered));
        let value = 0;
        let i = 1;
        let complete = false;
        for (let mult = 1; i < head.length && i <= 4; i++, mult *= 128) {
          value += (head[i] & 127) * mult;
          if (!(head[i] & 128)) {
            complete = true;
            i++;
            break;
          }
        }
        if (!complete) {
          if (head.length >= 5) throw new Error('malformed Remaining Length from the client');
          return done;
        }
        this.need = i + value;
      }
      if (this.buffered < this.need) return done;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const raw = Buffer.from(all.subarray(0, this.need));
      const rest = all.subarray(this.need);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      const headerLength = raw.length - remainingLengthOf(raw);
      done.push({ type: raw[0] >> 4, flags: raw[0] & 15, remainingLength: raw.length - headerLength, raw });
      this.need = null;
    }
  }

  peek(n) {
    const out = Buffer.alloc(n);
    let at = 0;
    for (const c of this.chunks) {
      const take = Math.min(c.length, n - at);
      c.copy(out, at, 0, take);
      at += take;
      if (at === n) break;
    }
    return out;
  }
}

/** Remaining Length read from a whole raw packet. */
function remainingLengthOf(raw) {
  let value = 0;
  for (let i = 1, mult = 1; i <= 4; i++, mult *= 128) {
    value += (raw[i] & 127) * mult;
    if (!(raw[i] & 128)) return value;
  }
  throw new Error('malformed Remaining Length');
}

function makeConnection(ws, broker) {
  const splitter = new PacketSplitter();
  let parser = null;
  const conn = {
    ws,
    version: null,
    /** Raw WebSocket messages from the client, in order. */
    messages: [],
    /** {type, flags, remainingLength, raw, parsed} in order; parsed by mqtt-packet. */
    packets: [],
    errors: [],
    closed: false,
    send(bytes) {
      if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
    },
    /** Sends `bytes` as WebSocket messages of `size` bytes (the last one shorter); one when size is absent. */
    sendInMessages(bytes, size) {
      if (!size) return conn.send(bytes);
      for (let at = 0; at < bytes.length; at += size) conn.send(bytes.subarray(at, at + size));
    },
    /** Resolves with pred()'s first truthy value (polled every 5 ms); rejects after `timeout` ms. */
    waitFor(pred, timeout, what) {
      return waitFor(pred, timeout, what, () => `client sent ${conn.packets.map((p) => p.type).join(',')}${conn.closed ? ', then closed' : ''}${conn.errors.length ? '; ' + conn.errors.join('; ') : ''}`);
    },
    /** The PUBLISH packets the client sent to `topic`. */
    publishesTo(topic) {
      return conn.packets.filter((p) => p.type === TYPE.PUBLISH && p.parsed && p.parsed.topic === topic);
    },
  };
  const answer = (p) => {
    const id = p.raw.length >= 4 ? (p.raw[p.raw.length - p.remainingLength] << 8) | p.raw[p.raw.length - p.remainingLength + 1] : 0;
    switch (p.type) {
      case TYPE.CONNECT: {
        conn.version = p.parsed ? p.parsed.protocolVersion : 4;
        const props = broker.onConnect ? broker.onConnect(p.parsed, conn) : undefined;
        conn.send(connack(conn.version, props));
        break;
      }
      case TYPE.PUBLISH: {
        const qos = (p.flags >> 1) & 3;
        const topicLength = (p.raw[p.raw.length - p.remainingLength] << 8) | p.raw[p.raw.length - p.remainingLength + 1];
        const at = p.raw.length - p.remainingLength + 2 + topicLength;
        const pid = (p.raw[at] << 8) | p.raw[at + 1];
        if (qos === 1) conn.send(Buffer.from([0x40, 2, ...idBytes(pid)]));
        if (qos === 2) conn.send(Buffer.from([0x50, 2, ...idBytes(pid)]));
        break;
      }
      case TYPE.PUBREC:
        conn.send(Buffer.from([0x62, 2, ...idBytes(id)]));
        break;
      case TYPE.PUBREL:
        conn.send(Buffer.from([0x70, 2, ...idBytes(id)]));
        break;
      case TYPE.SUBSCRIBE: {
        const n = p.parsed ? p.parsed.subscriptions.length : 1;
        const granted = p.parsed ? p.parsed.subscriptions.map((s) => s.qos) : [0];
        conn.send(Buffer.from(conn.version === 5 ? [0x90, 3 + n, ...idBytes(id), 0, ...granted] : [0x90, 2 + n, ...idBytes(id), ...granted]));
        break;
      }
      case TYPE.PINGREQ:
        conn.send(Buffer.from([0xd0, 0]));
        break;
      default:
    }
  };
  ws.on('message', (data) => {
    const chunk = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    conn.messages.push(chunk);
    let done;
    try {
      done = splitter.push(chunk);
    } catch (e) {
      conn.errors.push(e.message);
      ws.terminate();
      return;
    }
    for (const p of done) {
      if (!parser) parser = mqttPacket.parser({ protocolVersion: p.type === TYPE.CONNECT && peekVersion(p.raw) === 5 ? 5 : 4 });
      let parsed = null;
      const onPacket = (x) => {
        parsed = x;
      };
      const onError = (e) => conn.errors.push(`mqtt-packet: ${e.message}`);
      parser.on('packet', onPacket);
      parser.on('error', onError);
      parser.parse(p.raw);
      parser.removeListener('packet', onPacket);
      parser.removeListener('error', onError);
      p.parsed = parsed;
      conn.packets.push(p);
      answer(p);
    }
  });
  ws.on('error', (e) => conn.errors.push(`ws: ${e.message}`));
  ws.on('close', () => {
    conn.closed = true;
  });
  return conn;
}

/** The protocol level byte of a raw CONNECT (after "MQTT" or "MQIsdp"). */
function peekVersion(raw) {
  const start = raw.length - remainingLengthOf(raw);
  const nameLength = (raw[start] << 8) | raw[start + 1];
  return raw[start + 2 + nameLength];
}

async function startSweepBroker() {
  const server = http.createServer();
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    maxPayload: 300 * 1024 * 1024,
    handleProtocols: (set) => (set.has('mqtt') ? 'mqtt' : false),
  });
  const broker = {
    connections: [],
    onConnect: null,
    url: '',
    /** Resolves with connection number `index` (default: the next one) once it is open. */
    connection(index, timeout = 10000) {
      return waitFor(() => broker.connections[index], timeout, `connection ${index}`);
    },
    stop: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => server.close(() => resolve()));
      }),
  };
  wss.on('connection', (ws) => broker.connections.push(makeConnection(ws, broker)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  broker.url = `ws://127.0.0.1:${server.address().port}`;
  return broker;
}

module.exports = { startSweepBroker, PacketSplitter, TYPE, waitFor };
