'use strict';
// Bad input from the page: each gives a clear error through the callback (or the `error` event
// when there is no callback), and the client stays usable. Plus end() during connect, calls
// after end(), and 1,000 rapid connect/end cycles without leaked sockets or timers.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, loadMqtt, waitFor, once, sleep, activeHandles } = require('../../reliability/harness');
const { startProxy } = require('../../reliability/proxy');
const { startMosquitto } = require('../../support/mosquitto');

const skip = skipUnless({ mosquitto: true });
let broker;
test.before(async () => {
  if (!skip) broker = await startMosquitto();
});
test.after(async () => {
  if (broker) await broker.stop();
});

/** Calls `fn(cb)` and resolves with {err, sync} — sync when the callback fired before fn returned. */
function outcome(fn) {
  return new Promise((resolve) => {
    let returned = false;
    const timer = setTimeout(() => resolve({ err: null, timeout: true }), 3000);
    fn((err) => {
      clearTimeout(timer);
      resolve({ err, sync: !returned });
    });
    returned = true;
  });
}

const huge = 'x'.repeat(65536);
const BAD_PUBLISH = [
  ['empty topic', '', 'm', {}],
  ['wildcard + in a topic name', 'a/+/b', 'm', {}],
  ['wildcard # in a topic name', 'a/#', 'm', {}],
  ['NUL in the topic', 'a\u0000b', 'm', {}],
  ['topic longer than 65,535 bytes', huge, 'm', {}],
  ['number as topic', 42, 'm', {}],
  ['QoS 3', 'a', 'm', { qos: 3 }],
  ['QoS -1', 'a', 'm', { qos: -1 }],
  ["QoS '1' (a string)", 'a', 'm', { qos: '1' }],
  ['QoS 1.5', 'a', 'm', { qos: 1.5 }],
  ['message is a number', 'a', 42, {}],
  ['message is a plain object', 'a', { a: 1 }, {}],
  ['message is an array', 'a', [1, 2], {}],
  ['message is a boolean', 'a', true, {}],
];
const BAD_SUBSCRIBE = [
  ['empty filter', ''],
  ['# not last', 'a/#/b'],
  ['+ inside a level', 'a+/b'],
  ['# inside a level', 'a/b#'],
  ['empty array', []],
  ['number as filter', 7],
  ['null', null],
  ['QoS 3 in an object', { a: 3 }],
  ['one bad filter among good ones', ['ok/1', 'bad/#/x']],
];

test('invalid publish/subscribe/unsubscribe arguments: a callback error each, client keeps working', { skip, timeout: 30000 }, async (t) => {
  const mqtt = loadMqtt();
  const c = mqtt.connect(broker.wsUrl, { clientId: 'rel-page-bad' });
  const errorsEmitted = [];
  c.on('error', (e) => errorsEmitted.push(e.message));
  const rows = [];
  try {
    await once(c, 'connect');
    await new Promise((r) => c.subscribe('ok/#', { qos: 1 }, r));
    let got = 0;
    c.on('message', () => got++);
    for (const [what, topic, msg, opts] of BAD_PUBLISH) {
      const r = await outcome((cb) => c.publish(topic, msg, opts, cb));
      rows.push({ call: 'publish', what, error: r.err ? r.err.message.slice(0, 100) : null, code: r.err && r.err.code, sync: r.sync });
    }
    for (const [what, filter] of BAD_SUBSCRIBE) {
      const r = await outcome((cb) => c.subscribe(filter, cb));
      rows.push({ call: 'subscribe', what, error: r.err ? r.err.message.slice(0, 100) : null, code: r.err && r.err.code, sync: r.sync });
    }
    for (const [what, filter] of BAD_SUBSCRIBE.filter((b) => typeof b[1] !== 'object' || Array.isArray(b[1]))) {
      const r = await outcome((cb) => c.unsubscribe(filter, cb));
      rows.push({ call: 'unsubscribe', what, error: r.err ? r.err.message.slice(0, 100) : null, code: r.err && r.err.code, sync: r.sync });
    }
    for (const row of rows) t.diagnostic(JSON.stringify(row));
    const silent = rows.filter((r) => !r.error);
    assert.deepStrictEqual(silent.map((r) => `${r.call}: ${r.what}`), [], 'every bad call is refused with an error');
    assert.ok(rows.every((r) => r.error.length > 10), 'each error says what was wrong');
    // Still usable.
    assert.strictEqual(c.connected, true, 'bad input did not disconnect the client');
    await new Promise((resolve, reject) => c.publish('ok/1', 'fine', { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    await waitFor(() => got === 1, 3000, 'the good message');
  } finally {
    await new Promise((r) => c.end(true, r));
  }
});

// null/undefined are an empty payload, as in MQTT.js (mqtt-packet sends `payload || empty`).
test('null and undefined messages publish an empty payload (MQTT.js behaviour)', { skip, timeout: 10000 }, async () => {
  const c = loadMqtt().connect(broker.wsUrl, { clientId: 'rel-page-null' });
  try {
    await once(c, 'connect');
    await new Promise((r) => c.subscribe('rel/null/+', { qos: 1 }, r));
    const got = [];
    c.on('message', (tp, p) => got.push([tp, p.length]));
    await new Promise((r) => c.publish('rel/null/a', null, { qos: 1 }, r));
    await new Promise((r) => c.publish('rel/null/b', undefined, { qos: 1 }, r));
    await waitFor(() => got.length === 2, 3000, 'both messages');
    assert.deepStrictEqual(got.sort(), [['rel/null/a', 0], ['rel/null/b', 0]]);
  } finally {
    await new Promise((r) => c.end(true, r));
  }
});

test('a topic with a lone UTF-16 surrogate is refused, not published to a different topic', { skip, timeout: 10000 }, async () => {
  const c = loadMqtt().connect(broker.wsUrl, { clientId: 'rel-page-surrogate' });
  try {
    await once(c, 'connect');
    await new Promise((r) => c.subscribe('rel/sur/#', r));
    const got = [];
    c.on('message', (tp) => got.push(tp));
    const pub = await outcome((cb) => c.publish('rel/sur/a\ud800', 'm', { qos: 1 }, cb));
    const sub = await outcome((cb) => c.subscribe('rel/sur/\udc00', cb));
    await sleep(300);
    assert.deepStrictEqual(got, [], 'nothing published under a replaced topic');
    assert.ok(pub.err, 'publish refused');
    assert.ok(sub.err, 'subscribe refused');
  } finally {
    await new Promise((r) => c.end(true, r));
  }
});

test('operation callbacks are never called synchronously (MQTT.js contract, docs/core-interface.md)', { skip, timeout: 10000 }, async () => {
  const c = loadMqtt().connect(broker.wsUrl, { clientId: 'rel-page-sync' });
  try {
    await once(c, 'connect');
    const sync = [];
    for (const [what, fn] of [
      ['publish QoS 0 ok', (cb) => c.publish('rel/sync', 'm', cb)],
      ['publish empty topic', (cb) => c.publish('', 'm', cb)],
      ['publish a/#', (cb) => c.publish('a/#', 'm', cb)],
      ['subscribe empty filter', (cb) => c.subscribe('', cb)],
      ['unsubscribe empty filter', (cb) => c.unsubscribe('', cb)],
    ]) {
      const r = await outcome(fn);
      if (r.sync) sync.push(what);
    }
    assert.deepStrictEqual(sync, []);
  } finally {
    await new Promise((r) => c.end(true, r));
  }
});

test('bad calls without a callback report through the `error` event', { skip, timeout: 10000 }, async () => {
  const c = loadMqtt().connect(broker.wsUrl, { clientId: 'rel-page-nocb' });
  const errors = [];
  c.on('error', (e) => errors.push(e.message));
  try {
    await once(c, 'connect');
    c.subscribe('a/#/b'); // refused by the glue
    c.publish('a/#', 'm'); // refused by the core
    c.publish('a/+', 'm', { qos: 1 });
    await sleep(300);
    assert.strictEqual(errors.length, 3, `one 'error' event per refused call: ${JSON.stringify(errors)}`);
  } finally {
    await new Promise((r) => c.end(true, r));
  }
});

test('calls after end(): clear errors, end() callback always fires; end() during connect leaves nothing behind', { skip, timeout: 30000 }, async (t) => {
  const mqtt = loadMqtt();
  const proxy = await startProxy({ targetPort: broker.wsPort });
  try {
    const c = mqtt.connect(proxy.url, { clientId: 'rel-page-end' });
    await once(c, 'connect');
    await new Promise((r) => c.end(r));
    const after = [];
    after.push(['publish', (await outcome((cb) => c.publish('a', 'm', { qos: 1 }, cb))).err]);
    after.push(['subscribe', (await outcome((cb) => c.subscribe('a', cb))).err]);
    after.push(['unsubscribe', (await outcome((cb) => c.unsubscribe('a', cb))).err]);
    const endAgain = await outcome((cb) => c.end(() => cb(null)));
    t.diagnostic(JSON.stringify(after.map(([k, e]) => [k, e && e.message])));
    for (const [k, e] of after) assert.ok(e && /disconnect|end/i.test(e.message), `${k} after end: clear error (${e && e.message})`);
    assert.ok(!endAgain.timeout, 'end() on an ended client still calls back');

    // end() before CONNACK: once while the socket opens, once right after it opened.
    for (const delay of [0, 5]) {
      const d = mqtt.connect(proxy.url, { clientId: 'rel-page-end-early-' + delay });
      const ev = [];
      for (const n of ['connect', 'close', 'end', 'error']) d.on(n, () => ev.push(n));
      if (delay) await sleep(delay);
      await new Promise((r) => d.end(r));
      await sleep(300);
      t.diagnostic(`end() ${delay} ms after connect(): events ${ev.join(',')}`);
      assert.ok(ev.includes('end'));
      assert.ok(!ev.includes('connect') || ev.indexOf('connect') < ev.indexOf('end'), 'no connect after end');
      assert.strictEqual(d.connected, false);
    }
    await waitFor(() => proxy.open === 0, 3000, 'the broker side closed');
  } finally {
    await proxy.stop();
  }
});

test('1,000 rapid connect/end cycles: no leaked sockets or timers, the broker sees every connection closed', { skip, timeout: 120000 }, async (t) => {
  const mqtt = loadMqtt();
  const proxy = await startProxy({ targetPort: broker.wsPort });
  const warm = mqtt.connect(proxy.url, { clientId: 'rel-cycle-warm' });
  await once(warm, 'connect');
  await new Promise((r) => warm.end(r));
  await waitFor(() => proxy.open === 0, 3000, 'warm-up closed');
  await sleep(100);
  const baseline = activeHandles();
  const started = Date.now();
  const N = 1000;
  const PARALLEL = 10;
  let connected = 0;
  let errors = 0;
  let endsCalledBack = 0;
  async function cycle(i) {
    const c = mqtt.connect(proxy.url, { clientId: `rel-cycle-${i}`, reconnectPeriod: 100 });
    c.on('error', () => errors++);
    // A third end at once (during the handshake), a third after CONNACK, a third with a QoS 1 in flight.
    if (i % 3 !== 0) {
      await new Promise((r) => {
        c.once('connect', r);
        c.once('end', r);
      });
      if (c.connected) connected++;
      if (i % 3 === 2) c.publish('rel/cycle', String(i), { qos: 1 });
    }
    await new Promise((r) => c.end(i % 2 === 0, () => {
      endsCalledBack++;
      r();
    }));
  }
  for (let i = 0; i < N; i += PARALLEL) {
    await Promise.all(Array.from({ length: PARALLEL }, (_, k) => cycle(i + k)));
  }
  const elapsedMs = Date.now() - started;
  await waitFor(() => proxy.open === 0, 5000, 'every broker-side connection closed').catch(() => {});
  await sleep(200);
  const after = activeHandles();
  const report = { cycles: N, elapsedMs, connected, endsCalledBack, errors, accepted: proxy.accepted - 1, brokerSideOpen: proxy.open, handlesBefore: baseline, handlesAfter: after };
  t.diagnostic(JSON.stringify(report));
  await proxy.stop();
  assert.strictEqual(endsCalledBack, N);
  assert.strictEqual(report.brokerSideOpen, 0, 'no connection left open at the broker');
  assert.ok(report.accepted <= N, `at most one connection per cycle (${report.accepted})`);
  for (const k of new Set([...Object.keys(baseline), ...Object.keys(after)])) {
    assert.ok((after[k] || 0) <= (baseline[k] || 0), `no leaked ${k}: ${baseline[k] || 0} before, ${after[k] || 0} after`);
  }
});
