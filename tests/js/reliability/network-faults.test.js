'use strict';
// Network faults between the client and a real Mosquitto, injected by a loopback TCP proxy
// (tests/reliability/proxy.js): a socket dying mid-packet, a half-open link, a broker that
// refuses for a while, nothing listening at all, and a slow broker.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, loadMqtt, waitFor, once, sleep, Ledger, record } = require('../../reliability/harness');
const { startProxy } = require('../../reliability/proxy');
const { startMosquitto, freePort } = require('../../support/mosquitto');

const skip = skipUnless({ mosquitto: true });
let broker;

test.before(async () => {
  if (!skip) broker = await startMosquitto();
});
test.after(async () => {
  if (broker) await broker.stop();
});

let ids = 0;
const clientId = (name) => `rel-net-${process.pid}-${name}-${ids++}`;
const end = (c) => new Promise((r) => c.end(true, r));
const subscribe = (c, topic, qos) => new Promise((res, rej) => c.subscribe(topic, { qos }, (e, g) => (e ? rej(e) : res(g))));

/** Publishes n numbered messages at `qos` from `c`, one every `gapMs`. */
async function publishSeries(c, topic, ledger, n, qos, gapMs = 5, from = 0) {
  for (let i = from; i < from + n; i++) {
    c.publish(topic, String(i), { qos }, ledger.published(i));
    if (gapMs) await sleep(gapMs);
  }
}

function countInto(c, topic, ledger) {
  c.on('message', (t, p) => {
    if (t === topic) ledger.received(Number(p.toString()));
  });
}

const settled = (ledger, timeout = 10000) =>
  waitFor(() => ledger.pendingCallbacks === 0 && ledger.summary().lost === 0, timeout, `${ledger.name} to settle`).catch(() => {});

for (const dir of ['down', 'up']) {
  test(`socket dropped mid-packet (${dir === 'down' ? 'broker -> client' : 'client -> broker'}) during a QoS 1 stream: reconnect, nothing lost`, { skip, timeout: 30000 }, async (t) => {
    const proxy = await startProxy({ targetPort: broker.wsPort });
    const mqtt = loadMqtt();
    const topic = `rel/mid/${dir}/${ids}`;
    const ledger = new Ledger(`mid-packet ${dir}`);
    // 'down': the client behind the proxy receives; 'up': it publishes.
    const behind = mqtt.connect(proxy.url, { clientId: clientId('behind'), clean: false, reconnectPeriod: 100, keepalive: 5 });
    const direct = mqtt.connect(broker.wsUrl, { clientId: clientId('direct'), clean: false, reconnectPeriod: 100 });
    const ev = record(behind);
    try {
      await Promise.all([once(behind, 'connect'), once(direct, 'connect')]);
      const [receiver, sender] = dir === 'down' ? [behind, direct] : [direct, behind];
      await subscribe(receiver, topic, 1);
      countInto(receiver, topic, ledger);
      await publishSeries(sender, topic, ledger, 20, 1);
      const cut = proxy.dropMidPacket(dir);
      await publishSeries(sender, topic, ledger, 80, 1, 5, 20);
      const info = await cut;
      assert.ok(info.forwarded < info.of, 'a chunk was cut short');
      await settled(ledger);
      const s = ledger.summary();
      t.diagnostic(JSON.stringify(Object.assign(s, { cut: info, reconnects: ev.filter((e) => e.name === 'connect').length - 1 })));
      assert.ok(ev.filter((e) => e.name === 'close').length >= 1, 'the drop was noticed');
      assert.ok(ev.filter((e) => e.name === 'connect').length >= 2, 'reconnected');
      assert.strictEqual(s.lost, 0);
      assert.strictEqual(s.callbacksMissing, 0);
      assert.strictEqual(s.callbacksExtra, 0);
      assert.strictEqual(s.callbackErrors, 0);
    } finally {
      await Promise.all([end(behind), end(direct)]);
      await proxy.stop();
    }
  });
}

test('half-open link: keepalive 1 s detects it, the client reconnects when the link heals, queued QoS 1 delivered', { skip, timeout: 30000 }, async (t) => {
  const proxy = await startProxy({ targetPort: broker.wsPort });
  const mqtt = loadMqtt();
  const topic = `rel/halfopen/${ids}`;
  const ledger = new Ledger('half-open');
  const c = mqtt.connect(proxy.url, { clientId: clientId('ho'), clean: false, keepalive: 1, reconnectPeriod: 200, connectTimeout: 1000 });
  const sub = mqtt.connect(broker.wsUrl, { clientId: clientId('ho-sub') });
  const ev = record(c);
  try {
    await Promise.all([once(c, 'connect'), once(sub, 'connect')]);
    await subscribe(sub, topic, 1);
    countInto(sub, topic, ledger);
    proxy.setMode('blackhole');
    const frozeAt = Date.now();
    await publishSeries(c, topic, ledger, 10, 1, 0);
    await waitFor(() => ev.some((e) => e.name === 'close'), 5000, 'close after keepalive timeout');
    const detectedMs = Date.now() - frozeAt;
    const errs = ev.filter((e) => e.name === 'error').map((e) => e.arg && e.arg.code);
    // While the link stays dead, attempts are paced by connectTimeout + reconnectPeriod.
    await sleep(2500);
    const attemptsWhileDead = proxy.accepted - 1;
    proxy.setMode('pass');
    proxy.dropAll();
    const healedAt = Date.now();
    await waitFor(() => ev.filter((e) => e.name === 'connect').length >= 2, 5000, 'reconnect after healing');
    const reconnectMs = Date.now() - healedAt;
    await settled(ledger);
    const s = ledger.summary();
    t.diagnostic(JSON.stringify(Object.assign(s, { detectedMs, reconnectMs, attemptsWhileDead, errorCodes: errs })));
    assert.ok(detectedMs <= 3000, `keepalive 1 s noticed the dead link in ${detectedMs} ms`);
    assert.ok(errs.includes('keepalive_timeout'), `error code keepalive_timeout reported (got ${errs})`);
    assert.ok(attemptsWhileDead >= 1 && attemptsWhileDead <= 4, `paced attempts while dead: ${attemptsWhileDead}`);
    assert.strictEqual(s.lost, 0);
    assert.strictEqual(s.callbacksMissing, 0);
    assert.strictEqual(s.callbacksExtra, 0);
  } finally {
    await Promise.all([end(c), end(sub)]);
    await proxy.stop();
  }
});

test('broker refusing for 2 s then accepting: paced attempts (no storm), connects, QoS 1 published meanwhile delivered', { skip, timeout: 30000 }, async (t) => {
  const proxy = await startProxy({ targetPort: broker.wsPort });
  proxy.setMode('refuse');
  const mqtt = loadMqtt();
  const topic = `rel/refuse/${ids}`;
  const ledger = new Ledger('refused then accepted');
  const sub = mqtt.connect(broker.wsUrl, { clientId: clientId('rf-sub') });
  await once(sub, 'connect');
  await subscribe(sub, topic, 1);
  countInto(sub, topic, ledger);
  const c = mqtt.connect(proxy.url, { clientId: clientId('rf'), reconnectPeriod: 250 });
  const ev = record(c);
  try {
    await publishSeries(c, topic, ledger, 10, 1, 0);
    await sleep(2000);
    const attemptsRefused = proxy.stats.refused;
    proxy.setMode('pass');
    await waitFor(() => c.connected, 3000, 'connect once accepted');
    await settled(ledger);
    const s = ledger.summary();
    t.diagnostic(JSON.stringify(Object.assign(s, { attemptsRefused, maxOpen: proxy.stats.maxOpen, errors: ev.filter((e) => e.name === 'error').length })));
    assert.ok(attemptsRefused >= 4 && attemptsRefused <= 10, `one attempt per reconnectPeriod (250 ms) over 2 s: ${attemptsRefused}`);
    assert.strictEqual(proxy.stats.maxOpen, 1, 'never two connections at once');
    assert.strictEqual(s.lost, 0);
    assert.strictEqual(s.callbacksMissing, 0);
    assert.strictEqual(s.callbackErrors, 0);
  } finally {
    await Promise.all([end(c), end(sub)]);
    await proxy.stop();
  }
});

test('connection refused (nothing listening): close per attempt, paced retries; end(true) fails the queued QoS 0 publish once and keeps the QoS 1 one for a reconnect (MQTT.js)', { skip, timeout: 20000 }, async (t) => {
  const port = await freePort();
  const mqtt = loadMqtt();
  const c = mqtt.connect(`ws://127.0.0.1:${port}`, { clientId: clientId('nl'), reconnectPeriod: 200 });
  const ev = record(c);
  const results = [];
  c.publish('rel/nl', 'x', { qos: 1 }, (err) => results.push(err ? err.message : 'ok'));
  c.publish('rel/nl', 'y', { qos: 0 }, (err) => results.push(err ? err.message : 'ok'));
  await sleep(1500);
  const closes = ev.filter((e) => e.name === 'close').length;
  const reconnects = ev.filter((e) => e.name === 'reconnect').length;
  const offline = ev.filter((e) => e.name === 'offline').length;
  await end(c);
  await sleep(50);
  t.diagnostic(JSON.stringify({ closes, reconnects, offline, results, errors: ev.filter((e) => e.name === 'error').map((e) => e.arg.message) }));
  assert.ok(closes >= 4 && closes <= 9, `one close per attempt, paced by reconnectPeriod (200 ms) over 1.5 s: ${closes}`);
  assert.ok(reconnects >= closes - 1, 'a reconnect event before each new attempt');
  assert.strictEqual(offline, 1, "'offline' once, not per attempt");
  // end(true) with reconnectPeriod > 0 keeps QoS 1/2 messages for reconnect(), callbacks pending,
  // as MQTT.js (docs/compat.md); the QoS 0 one fails once, with a reason.
  assert.strictEqual(results.length, 1, 'the queued QoS 0 publish called back exactly once, the QoS 1 one kept');
  assert.ok(results.every((r) => r !== 'ok' && /\w/.test(r)), `queued publishes failed with a reason: ${results}`);
  assert.strictEqual(c.connected, false);
});

test('slow broker (every broker -> client byte 800 ms late): CONNACK and acks arrive late, nothing times out or is lost', { skip, timeout: 30000 }, async (t) => {
  const proxy = await startProxy({ targetPort: broker.wsPort });
  proxy.setDelay(800);
  const mqtt = loadMqtt();
  const topic = `rel/slow/${ids}`;
  const ledger = new Ledger('slow broker');
  const c = mqtt.connect(proxy.url, { clientId: clientId('slow'), keepalive: 2, connectTimeout: 5000 });
  const ev = record(c);
  try {
    const t0 = Date.now();
    await once(c, 'connect', 5000);
    const connackMs = Date.now() - t0;
    await subscribe(c, topic, 2);
    countInto(c, topic, ledger);
    const p0 = Date.now();
    await publishSeries(c, topic, ledger, 10, 1, 0);
    await publishSeries(c, topic, ledger, 10, 2, 0, 10);
    await settled(ledger, 10000);
    const allDoneMs = Date.now() - p0;
    await sleep(3000); // two keepalive periods with late PINGRESPs
    const s = ledger.summary();
    t.diagnostic(JSON.stringify(Object.assign(s, { connackMs, allDoneMs, closes: ev.filter((e) => e.name === 'close').length })));
    assert.ok(connackMs >= 800, 'CONNACK was late');
    assert.strictEqual(ev.filter((e) => e.name === 'close').length, 0, 'no disconnect: late is not dead');
    assert.strictEqual(s.lost, 0);
    assert.strictEqual(s.duplicated, 0);
    assert.strictEqual(s.callbacksMissing, 0);
  } finally {
    await end(c);
    await proxy.stop();
  }
});

test('broker slower than connectTimeout: connect_timeout error, paced retries, connects once the broker speeds up', { skip, timeout: 30000 }, async (t) => {
  const proxy = await startProxy({ targetPort: broker.wsPort });
  proxy.setDelay(1500);
  const mqtt = loadMqtt();
  const c = mqtt.connect(proxy.url, { clientId: clientId('ct'), connectTimeout: 500, reconnectPeriod: 200 });
  const ev = record(c);
  try {
    await sleep(2200);
    const codes = ev.filter((e) => e.name === 'error').map((e) => e.arg.code);
    const attempts = proxy.accepted;
    proxy.setDelay(0);
    await waitFor(() => c.connected, 4000, 'connect once the broker is fast');
    t.diagnostic(JSON.stringify({ attempts, codes, maxOpen: proxy.stats.maxOpen }));
    assert.ok(codes.includes('connect_timeout'), `connect_timeout reported: ${codes}`);
    assert.ok(attempts >= 2 && attempts <= 4, `one attempt per connectTimeout + reconnectPeriod: ${attempts}`);
  } finally {
    await end(c);
    await proxy.stop();
  }
});
