'use strict';
/**
 * Two clean=false clients exchanging numbered QoS 1 and QoS 2 messages in both directions
 * through a persistent Mosquitto that is restarted on a schedule. Shared by the bounded test
 * (tests/js/reliability/broker-restart.test.js) and the long run (scripts/soak).
 *
 * Every message carries its sequence number; a Ledger per stream counts what was sent, what
 * arrived (and how often) and how often each publish callback fired.
 */
const { Ledger, sleep, waitFor, once } = require('./harness');

const STREAMS = [
  { name: 'A->B QoS 1', from: 'a', to: 'b', qos: 1 },
  { name: 'A->B QoS 2', from: 'a', to: 'b', qos: 2 },
  { name: 'B->A QoS 1', from: 'b', to: 'a', qos: 1 },
  { name: 'B->A QoS 2', from: 'b', to: 'a', qos: 2 },
];

/**
 * @param {object} o
 * @param {object} o.mqtt            the bundle
 * @param {object} o.broker          startMosquitto({persistence: true}) handle
 * @param {number} o.durationMs      how long to publish
 * @param {number} o.restartEveryMs  broker restart period
 * @param {boolean} [o.crash=false]  SIGKILL instead of SIGTERM (mosquitto then loses what it had not saved)
 * @param {number} [o.intervalMs=25] one message per stream per interval
 * @param {number} [o.drainMs=15000] how long to wait for the last messages and callbacks
 * @param {number} [o.reportEveryMs] call o.onReport(report) this often while running
 * @param {Function} [o.onReport]
 * @returns {Promise<{streams: object[], restarts: number, connects: object, errors: string[], elapsedMs: number}>}
 */
async function runRestartScenario(o) {
  const { mqtt, broker } = o;
  const intervalMs = o.intervalMs || 25;
  const tag = Math.random().toString(16).slice(2, 8);
  const base = `rel/${tag}`;
  const ledgers = new Map(STREAMS.map((s) => [s.name, new Ledger(s.name)]));
  const clients = {};
  const connects = { a: 0, b: 0 };
  const errors = [];
  const started = Date.now();

  for (const id of ['a', 'b']) {
    const c = mqtt.connect(broker.wsUrl, {
      clientId: `rel-${tag}-${id}`,
      clean: false,
      reconnectPeriod: 200,
      keepalive: 10,
      connectTimeout: 5000,
      queueLimit: 100000,
    });
    c.on('connect', () => connects[id]++);
    c.on('error', (e) => errors.length < 200 && errors.push(`${id}: ${e.code || ''} ${e.message}`));
    clients[id] = c;
    await once(c, 'connect', 10000);
    await new Promise((resolve, reject) => c.subscribe(`${base}/to-${id}/#`, { qos: 2 }, (err) => (err ? reject(err) : resolve())));
  }
  const topicOf = (s) => `${base}/to-${s.to}/qos${s.qos}`;
  for (const id of ['a', 'b']) {
    clients[id].on('message', (topic, payload) => {
      const s = STREAMS.find((x) => topicOf(x) === topic);
      if (!s) return errors.push(`${id}: unexpected topic ${topic}`);
      if (s.to !== id) return errors.push(`${id}: got ${topic}, meant for ${s.to}`);
      ledgers.get(s.name).received(Number(payload.toString()));
    });
  }

  let seq = 0;
  const pub = setInterval(() => {
    for (const s of STREAMS) {
      const cb = ledgers.get(s.name).published(seq);
      clients[s.from].publish(topicOf(s), String(seq), { qos: s.qos }, cb);
    }
    seq++;
  }, intervalMs);

  let restarts = 0;
  const snapshot = () => ({
    elapsedMs: Date.now() - started,
    restarts,
    connects: Object.assign({}, connects),
    streams: [...ledgers.values()].map((l) => l.summary()),
    errors: errors.slice(),
  });
  const reporter = o.onReport && o.reportEveryMs ? setInterval(() => o.onReport(snapshot()), o.reportEveryMs) : null;

  try {
    const stopAt = started + o.durationMs;
    while (Date.now() + o.restartEveryMs <= stopAt) {
      await sleep(o.restartEveryMs);
      if (o.crash) {
        await broker.kill();
        await broker.restart();
      } else {
        await broker.restart();
      }
      restarts++;
    }
    await sleep(Math.max(0, stopAt - Date.now()));
    clearInterval(pub);
    // Drain: every message of every stream arrived and every callback fired, or time is up.
    const all = [...ledgers.values()];
    await waitFor(
      () => all.every((l) => l.pendingCallbacks === 0 && l.summary().lost === 0),
      o.drainMs || 15000,
      'the last messages and publish callbacks',
    ).catch(() => {});
    // Late duplicates would show up shortly after the last delivery.
    await sleep(300);
    return snapshot();
  } finally {
    clearInterval(pub);
    if (reporter) clearInterval(reporter);
    await Promise.all(Object.values(clients).map((c) => new Promise((r) => c.end(true, r))));
  }
}

module.exports = { runRestartScenario, STREAMS };
