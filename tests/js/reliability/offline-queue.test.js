'use strict';
// The offline queue filled past `queueLimit` while the broker refuses connections: the excess
// fails loudly (callback error, code queue_full), nothing is dropped silently, and what was
// queued goes out in order once the broker accepts.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, loadMqtt, waitFor, once, sleep, Ledger } = require('../../reliability/harness');
const { startProxy } = require('../../reliability/proxy');
const { startMosquitto } = require('../../support/mosquitto');

const skip = skipUnless({ mosquitto: true });

test('queueLimit 50, 80 publishes (QoS 0/1/2) while offline: 30 fail with queue_full, 50 delivered, in order per QoS', { skip, timeout: 30000 }, async (t) => {
  const broker = await startMosquitto();
  const proxy = await startProxy({ targetPort: broker.wsPort });
  proxy.setMode('refuse');
  const mqtt = loadMqtt();
  const topic = 'rel/queue';
  const ledger = new Ledger('offline queue');
  const order = [];
  const sub = mqtt.connect(broker.wsUrl, { clientId: 'rel-queue-sub' });
  const c = mqtt.connect(proxy.url, { clientId: 'rel-queue', queueLimit: 50, reconnectPeriod: 100 });
  const errors = [];
  c.on('error', (e) => errors.push(e));
  try {
    await once(sub, 'connect');
    await new Promise((r) => sub.subscribe(topic, { qos: 2 }, r));
    sub.on('message', (tp, p) => {
      const n = Number(p.toString());
      order.push(n);
      ledger.received(n);
    });
    const outcome = new Map();
    for (let i = 0; i < 80; i++) {
      const cb = ledger.published(i);
      c.publish(topic, String(i), { qos: i % 3 }, (err) => {
        cb(err);
        outcome.set(i, err ? err.code || err.message : 'ok');
      });
    }
    await sleep(300);
    const refusedAtOnce = [...outcome.values()].filter((v) => v !== 'ok');
    proxy.setMode('pass');
    await waitFor(() => outcome.size === 80, 10000, 'every publish callback');
    await waitFor(() => order.length >= 50, 5000, '50 deliveries').catch(() => {});
    await sleep(200);
    const failed = [...outcome.entries()].filter(([, v]) => v !== 'ok');
    const s = ledger.summary();
    const report = {
      published: 80,
      failedWithError: failed.length,
      errorCodes: [...new Set(failed.map(([, v]) => v))],
      failedFirstSeq: failed.length ? failed[0][0] : null,
      delivered: order.length,
      lostWithoutError: s.lost - failed.length,
      duplicated: s.duplicated,
      outOfOrder: s.outOfOrder,
      callbacksExtra: s.callbacksExtra,
    };
    t.diagnostic(JSON.stringify(report));
    assert.strictEqual(refusedAtOnce.length, 30, 'the excess is refused while still offline, not later');
    assert.strictEqual(failed.length, 30);
    assert.deepStrictEqual(report.errorCodes, ['queue_full']);
    assert.deepStrictEqual(failed.map(([i]) => i), Array.from({ length: 30 }, (_, k) => 50 + k), 'the newest are refused, the queued ones kept');
    // Mosquitto forwards a QoS 2 message when PUBREL arrives, so QoS 2 lands after the QoS 0/1
    // sent beside it: order is checked per QoS level (MQTT's ordering guarantee).
    assert.deepStrictEqual([...order].sort((x, y) => x - y), Array.from({ length: 50 }, (_, k) => k), 'the queued 50 arrive once each');
    for (let q = 0; q < 3; q++) {
      const got = order.filter((n) => n % 3 === q);
      assert.deepStrictEqual(got, [...got].sort((x, y) => x - y), `QoS ${q} messages in publish order`);
    }
    assert.strictEqual(s.callbacksExtra, 0);
    const msg = await new Promise((r) => {
      const c2 = mqtt.connect('ws://127.0.0.1:9', { clientId: 'rel-queue-2', queueLimit: 1, reconnectPeriod: 0 });
      c2.publish(topic, 'a', { qos: 1 }, () => {});
      c2.publish(topic, 'b', { qos: 1 }, (err) => {
        c2.end(true);
        r(err && err.message);
      });
    });
    t.diagnostic(`queue_full message: ${msg}`);
    assert.match(msg, /queue/i, 'the message names the queue');
    assert.match(msg, /1\b/, 'and its limit');
  } finally {
    await Promise.all([c, sub].map((x) => new Promise((r) => x.end(true, r))));
    await proxy.stop();
    await broker.stop();
  }
});
