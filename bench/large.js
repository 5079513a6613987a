'use strict';
/**
 * Large payloads (64 KiB, 1 MiB, 4 MiB; QoS 0 and 1), both directions, every client in the
 * same run with the same window (throughput.js' windowFor):
 *
 *   publish  the client under test publishes over ws to the local Mosquitto; a bare
 *            subscriber on Mosquitto's TCP listener counts the messages (throughput.js'
 *            trial: Mosquitto's WebSocket side delivers large messages one 4 KiB chunk per
 *            wake-up, which would measure Mosquitto)
 *   receive  a scripted WebSocket server in this process (127.0.0.1) answers CONNECT and
 *            SUBSCRIBE, then sends one pre-encoded PUBLISH per WebSocket message, keeping at
 *            most `window` messages ahead of the client's 'message' events; QoS 1 messages
 *            are acknowledged by the client as usual
 */
const WebSocket = require('ws');
const mqttPacket = require('mqtt-packet');
const { connectClient, subscribe, endClient, uniqueId } = require('./lib/impls');
const { Splitter } = require('./lib/raw');
const { trial, windowFor } = require('./throughput');

const SIZES = { '64 KiB': 65536, '1 MiB': 1048576, '4 MiB': 4194304 };

/** A server that streams PUBLISH packets of `size` bytes at `qos` once subscribed. */
function startSource({ qos, size, window }) {
  const state = { sent: 0, credited: 0, ws: null, frames: null, next: 0 };
  const pump = () => {
    const ws = state.ws;
    if (!ws || !state.frames) return;
    while (state.sent - state.credited < window && ws.readyState === WebSocket.OPEN) {
      ws.send(state.frames[state.next]);
      state.next = (state.next + 1) % state.frames.length;
      state.sent++;
    }
  };
  return new Promise((resolve, reject) => {
    const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (ws) => {
      state.ws = ws;
      const splitter = new Splitter((type, flags, buf, start) => {
        if (type === 1) ws.send(Buffer.from([0x20, 2, 0, 0]));
        else if (type === 8) {
          const topicLen = (buf[start + 2] << 8) | buf[start + 3];
          const topic = buf.toString('utf8', start + 4, start + 4 + topicLen);
          ws.send(Buffer.from([0x90, 3, buf[start], buf[start + 1], qos]));
          const payload = Buffer.alloc(size, 0x62);
          state.frames = [];
          for (let i = 0; i < (qos ? 16 : 1); i++) state.frames.push(mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: qos ? 1000 + i : undefined, retain: false, dup: false }));
          setImmediate(pump);
        }
      });
      ws.on('message', (data) => splitter.push(data));
      ws.on('error', () => {});
    });
    wss.once('listening', () =>
      resolve({
        url: 'ws://127.0.0.1:' + wss.address().port,
        credit: () => {
          state.credited++;
          pump();
        },
        close: () => new Promise((r) => {
          for (const c of wss.clients) c.terminate();
          wss.close(() => r());
        }),
      })
    );
    wss.once('error', reject);
  });
}

/** Messages per second the client under test received from startSource(). */
async function receiveTrial(impl, { qos, size, durationMs, warmupMs }) {
  const source = await startSource({ qos, size, window: windowFor(size) });
  const client = await connectClient(impl, source.url);
  try {
    return await new Promise((resolve, reject) => {
      let received = 0;
      let last = Date.now();
      let mark = null;
      const start = Date.now();
      const finish = (stalled) => {
        clearInterval(watch);
        const from = mark || { t: start, received: 0 };
        const elapsed = (stalled ? last : Date.now()) - from.t;
        resolve({ rate: elapsed > 0 ? ((received - from.received) * 1000) / elapsed : 0, stalled });
      };
      // The bare client reports no payload (it never copies one out).
      client.on('message', (topic, payload) => {
        if (payload && payload.length !== size) return reject(new Error(impl + ': received ' + payload.length + ' bytes, expected ' + size));
        received++;
        last = Date.now();
        source.credit();
        return undefined;
      });
      const watch = setInterval(() => {
        const now = Date.now();
        if (!mark && now - start >= warmupMs) mark = { t: now, received };
        else if (mark && now - mark.t >= durationMs) finish(false);
        else if (now - last > 3000) finish(true);
      }, 5);
      subscribe(client, uniqueId('bench/large/'), qos).catch(reject);
    });
  } finally {
    await endClient(client);
    await source.close();
  }
}

/**
 * @param {{broker: object, reps: number, durationMs: number, warmupMs: number, impls: string[], log: Function}} ctx
 * @returns {Promise<object[]>} rows for the table
 */
async function run(ctx) {
  const cases = [];
  for (const direction of ['publish', 'receive']) for (const label of Object.keys(SIZES)) for (const qos of [0, 1]) cases.push({ direction, qos, label, size: SIZES[label] });
  const reps = Math.min(ctx.reps, 3);
  const results = cases.map(() => ({}));
  const stalls = cases.map(() => []);
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      for (const impl of ctx.impls) {
        const opts = { qos: c.qos, size: c.size, durationMs: ctx.durationMs, warmupMs: ctx.warmupMs };
        const r = c.direction === 'publish' ? await trial(impl, ctx.broker, opts) : await receiveTrial(impl, opts);
        (results[i][impl] = results[i][impl] || []).push(r.rate);
        if (r.stalled) stalls[i].push(impl);
      }
      ctx.log('large rep ' + (rep + 1) + '/' + reps + ' ' + c.direction + ' QoS ' + c.qos + ', ' + c.label + ': ' + ctx.impls.map((k) => k + ' ' + results[i][k][rep].toFixed(1)).join(', '));
    }
  }
  return cases.map((c, i) => ({
    section: 'Large payloads, msg/s (publish: to Mosquitto, bare TCP subscriber; receive: from a scripted ws server in this process)',
    name: c.direction + ' QoS ' + c.qos + ', ' + c.label + ' (window ' + windowFor(c.size) + ')',
    unit: 'msg/s',
    better: 'higher',
    values: results[i],
    notes: stalls[i].length ? [stalls[i].join(', ') + ' stalled'] : [],
  }));
}

module.exports = { run, receiveTrial, startSource, SIZES };
