'use strict';
/**
 * Publish-to-message round trip at a low rate: the publisher sends one message, the
 * subscriber (a second connection of the same client) receives it, the next one goes out
 * 1 ms later. Each repetition gives a p50 and a p99 over `samples` messages (after 50 of
 * warm-up); the table shows the median and spread of those per-repetition percentiles.
 */
const { connectClient, subscribe, endClient, uniqueId } = require('./lib/impls');
const { quantile } = require('./lib/stats');

const WARMUP = 50;

/** @returns {Promise<{p50: number, p99: number}>} microseconds */
async function trial(impl, url, { qos, samples, size }) {
  const topic = uniqueId('bench/lat/');
  const payload = Buffer.alloc(size, 0x62);
  const sub = await connectClient(impl, url);
  const pub = await connectClient(impl, url);
  try {
    await subscribe(sub, topic, qos);
    const times = await new Promise((resolve, reject) => {
      const out = [];
      let sentAt = 0n;
      let n = 0;
      let watchdog = null;
      const send = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => reject(new Error(impl + ': a QoS ' + qos + ' message took over 5 s')), 5000);
        sentAt = process.hrtime.bigint();
        pub.publish(topic, payload, { qos });
      };
      sub.on('message', () => {
        const rtt = Number(process.hrtime.bigint() - sentAt) / 1000;
        if (n++ >= WARMUP) out.push(rtt);
        if (n >= samples + WARMUP) {
          clearTimeout(watchdog);
          resolve(out);
        } else setTimeout(send, 1);
      });
      send();
    });
    times.sort((a, b) => a - b);
    return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
  } finally {
    await Promise.all([endClient(pub), endClient(sub)]);
  }
}

async function run(ctx) {
  const res = {};
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const qos of [0, 1]) {
      for (const impl of ctx.impls) {
        const r = await trial(impl, ctx.broker.wsUrl, { qos, samples: ctx.latencySamples, size: 16 });
        for (const p of ['p50', 'p99']) {
          const key = 'QoS ' + qos + ' ' + p;
          res[key] = res[key] || {};
          (res[key][impl] = res[key][impl] || []).push(r[p]);
        }
      }
      ctx.log('latency rep ' + (rep + 1) + '/' + ctx.reps + ' QoS ' + qos + ': ' + ctx.impls.map((i) => i + ' p50 ' + Math.round(res['QoS ' + qos + ' p50'][i][rep]) + ' µs').join(', '));
    }
  }
  return Object.keys(res).map((key) => ({
    section: 'Latency, publish → message round trip, 16 B, ' + ctx.latencySamples + ' msgs/rep',
    name: key,
    unit: 'µs',
    better: 'lower',
    values: res[key],
  }));
}

module.exports = { run, trial };
