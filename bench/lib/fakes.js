'use strict';
/**
 * In-process transports for the codec and memory benchmarks: no broker, no socket, so the
 * figures are what the client itself costs per packet.
 *
 *   fakeOurs(opts)     mpmqtt (dist/mqtt.min.js) with a fake WebSocket (the `WebSocket` option)
 *   fakeMqttjs5(opts)  MQTT.js 5 with a fake Duplex stream (MqttClient's stream builder)
 *
 * Both resolve to {client, deliver(buf), sink} once CONNACK has been processed: `deliver`
 * hands bytes to the client as the socket would, `sink` counts what the client sent and,
 * when `sink.keep` is set, keeps it.
 */
const { Duplex } = require('stream');
const { mqttModule, baseOptions } = require('./impls');

const CONNACK = Buffer.from([0x20, 2, 0, 0]);

function makeSink() {
  const sink = { bytes: 0, writes: 0, keep: false, chunks: [], waiter: null };
  sink.take = (buf) => {
    sink.bytes += buf.byteLength;
    sink.writes++;
    if (sink.keep) sink.chunks.push(Buffer.from(buf));
    if (sink.waiter && sink.bytes >= sink.waiter.bytes) {
      const w = sink.waiter;
      sink.waiter = null;
      w.resolve();
    }
  };
  /** Resolves once `n` bytes in total have been sent. */
  sink.until = (n) =>
    sink.bytes >= n
      ? Promise.resolve()
      : new Promise((resolve) => {
          sink.waiter = { bytes: n, resolve };
        });
  return sink;
}

function exactArrayBuffer(buf) {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

function waitConnect(client) {
  return new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
}

async function fakeOurs(extra) {
  const sink = makeSink();
  let socket = null;
  let connackSent = false;
  class FakeWebSocket {
    constructor() {
      socket = this;
      setImmediate(() => this.onopen && this.onopen({}));
    }
    send(data) {
      sink.take(data);
      if (!connackSent) {
        connackSent = true;
        setImmediate(() => this.onmessage({ data: exactArrayBuffer(CONNACK) }));
      }
    }
    close(code) {
      setImmediate(() => this.onclose && this.onclose({ code: code || 1000, reason: '' }));
    }
  }
  const client = mqttModule('ours').connect('ws://127.0.0.1:1/', baseOptions(Object.assign({ WebSocket: FakeWebSocket }, extra)));
  await waitConnect(client);
  return {
    client,
    sink,
    /** @param {ArrayBuffer} ab one WebSocket message */
    deliver: (ab) => socket.onmessage({ data: ab }),
    prepare: exactArrayBuffer,
  };
}

async function fakeMqttjs5(extra) {
  const sink = makeSink();
  let connackSent = false;
  const stream = new Duplex({
    read() {},
    write(chunk, enc, cb) {
      sink.take(chunk);
      if (!connackSent) {
        connackSent = true;
        setImmediate(() => stream.push(CONNACK));
      }
      cb();
    },
  });
  const { MqttClient } = mqttModule('mqttjs5');
  const client = new MqttClient(() => stream, baseOptions(Object.assign({ resubscribe: false }, extra)));
  client.on('error', () => {});
  await waitConnect(client);
  return { client, sink, deliver: (buf) => stream.push(buf), prepare: (buf) => buf };
}

const FAKES = { ours: fakeOurs, mqttjs5: fakeMqttjs5 };

module.exports = { FAKES, fakeOurs, fakeMqttjs5, exactArrayBuffer };
