'use strict';
/**
 * End-to-end throughput over ws to the local Mosquitto: one publisher and one subscriber
 * connection per trial, both of the client under test, a fresh topic per trial. The
 * publisher keeps at most `window` messages that the subscriber has not received yet
 * (brokers.md: Mosquitto's ws side nearly stops delivering once a subscriber's socket
 * buffer fills, so an unbounded publisher measures the stall, not the client). The figure
 * is messages the subscriber received per second, after a warm-up.
 *
 * 64 KiB: Mosquitto's WebSocket side sends a large message one 4 KiB chunk per main-loop
 * wake-up (brokers.md; ~2 msg/s for every client, the bare ws one included), so these cases
 * measure the publisher under test over ws, delivering to a bare subscriber on Mosquitto's
 * TCP listener; 64 KiB decoding by the clients is measured by the codec benchmark.
 */
const { connectClient, subscribe, endClient, uniqueId } = require('./lib/impls');

const PAYLOADS = { '16 B': 16, '1 KiB': 1024, '64 KiB': 65536 };

/**
 * A window of 100 as in brokers.md; 64 KiB messages get 10 (6.5 MB in flight otherwise),
 * up to 1 MiB 4, larger 2.
 */
function windowFor(size) {
  return size > 1048576 ? 2 : size > 65536 ? 4 : size > 8192 ? 10 : 100;
}

/** Payloads above this go to a bare TCP subscriber (see the module comment). */
const TCP_SUBSCRIBER_ABOVE = 8192;

/**
 * @returns {Promise<{rate: number, received: number, stalled: boolean}>}
 */
async function trial(impl, broker, { qos, size, durationMs, warmupMs }) {
  const topic = uniqueId('bench/tp/');
  const payload = Buffer.alloc(size, 0x61);
  const window = windowFor(size);
  const url = broker.wsUrl;
  const sub = size > TCP_SUBSCRIBER_ABOVE ? await connectClient('raw', 'tcp://127.0.0.1:' + broker.tcpPort) : await connectClient(impl, url);
  const pub = await connectClient(impl, url);
  try {
    await subscribe(sub, topic, qos);
    return await new Promise((resolve) => {
      let sent = 0;
      let received = 0;
      let running = true;
      let last = Date.now();
      let mark = null; // {t, received} at the end of the warm-up
      const start = Date.now();
      const pump = () => {
        while (running && sent - received < window) {
          pub.publish(topic, payload, { qos });
          sent++;
        }
      };
      const finish = (stalled) => {
        running = false;
        clearInterval(watch);
        const t = Date.now();
        const from = mark || { t: start, received: 0 };
        const elapsed = (stalled ? last : t) - from.t;
        resolve({ rate: elapsed > 0 ? ((received - from.received) * 1000) / elapsed : 0, received, stalled });
      };
      sub.on('message', () => {
        received++;
        last = Date.now();
        pump();
      });
      // Time is checked off the message path: Date.now() per message would cost all alike,
      // but a timer keeps the hot loop identical to an application's.
      const watch = setInterval(() => {
        const now = Date.now();
        if (!mark && now - start >= warmupMs) mark = { t: now, received };
        else if (mark && now - mark.t >= durationMs) finish(false);
        else if (now - last > 3000) finish(true);
      }, 5);
      pump();
    });
  } finally {
    await Promise.all([endClient(pub), endClient(sub)]);
  }
}

/**
 * @param {{broker: {wsUrl: string, tcpPort: number}, reps: number, durationMs: number, warmupMs: number, impls: string[], log: Function}} ctx
 * @returns {Promise<object[]>} rows for the table
 */
async function run(ctx) {
  const cases = [];
  for (const qos of [0, 1, 2]) for (const label of Object.keys(PAYLOADS)) cases.push({ qos, label, size: PAYLOADS[label] });
  const results = {}; // key -> impl -> [rate]
  const stalls = {};
  // Repetitions interleave the clients so a noisy moment hits all of them alike.
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const c of cases) {
      const key = 'QoS ' + c.qos + ', ' + c.label;
      results[key] = results[key] || {};
      for (const impl of ctx.impls) {
        const r = await trial(impl, ctx.broker, { qos: c.qos, size: c.size, durationMs: ctx.durationMs, warmupMs: ctx.warmupMs });
        (results[key][impl] = results[key][impl] || []).push(r.rate);
        if (r.stalled) stalls[key + ' ' + impl] = (stalls[key + ' ' + impl] || 0) + 1;
      }
      ctx.log('throughput rep ' + (rep + 1) + '/' + ctx.reps + ' ' + key + ': ' + ctx.impls.map((i) => i + ' ' + Math.round(results[key][i][rep])).join(', '));
    }
  }
  return cases.map((c) => {
    const key = 'QoS ' + c.qos + ', ' + c.label;
    const notes = Object.keys(stalls).filter((k) => k.startsWith(key + ' ')).map((k) => k.slice(key.length + 1) + ' stalled ' + stalls[k] + '×');
    if (c.size > TCP_SUBSCRIBER_ABOVE) notes.unshift('publisher only: bare TCP subscriber');
    return { section: 'Throughput, msg/s received', name: key + ' (window ' + windowFor(c.size) + ')', unit: 'msg/s', better: 'higher', values: results[key], notes };
  });
}

module.exports = { run, trial, windowFor, PAYLOADS };
