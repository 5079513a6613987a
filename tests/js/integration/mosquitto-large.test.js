'use strict';
/**
 * Large payloads kept in JS (js-glue/core/flat-core.js, src/engine/external.rs): from 1 KiB a
 * publish's payload is not copied into the core but copied once, from the page's buffer into
 * the bytes the socket sends, at every send. Checked through our shipped bundle against a real
 * Mosquitto, read back by an MQTT.js 5.16.0 subscriber on the TCP listener: 2 MiB at QoS 0/1/2
 * byte-exact, resent byte-exact after a forced reconnect, and a page that changes its buffer
 * after publish() compared with MQTT.js 4.2.1 and 5.16.
 */
const test = require('node:test');
const assert = require('node:assert');
const { startMosquitto } = require('../../support/mosquitto');
const h = require('./helpers');

const MIB2 = 2 * 1024 * 1024;

/** An MQTT.js subscriber on the TCP listener, subscribed to `filter`. */
async function subscriber(m, filter) {
  const s = await h.connectPeer('mqtt://127.0.0.1:' + m.tcpPort, { clientId: 'large-sub-' + Math.random().toString(16).slice(2) });
  await h.call(s.client, 'subscribe', filter, { qos: 2 });
  return s;
}

const firstDifference = (a, b) => {
  if (a.length !== b.length) return 'length ' + a.length + ' vs ' + b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return 'byte ' + i;
  return null;
};

test('2 MiB publishes at QoS 0/1/2 arrive byte-exact, with sizes around the 1 KiB threshold', { skip: h.distMissing, timeout: 60000 }, async () => {
  const m = await startMosquitto();
  let sub;
  let c;
  try {
    sub = await subscriber(m, 'big/#');
    ({ client: c } = await h.connectOurs(m.wsUrl + '/mqtt'));
    const expected = [];
    for (const qos of [0, 1, 2]) {
      for (const size of [1023, 1024, 1025, MIB2]) expected.push({ topic: `big/q${qos}/${size}`, qos, bytes: h.patternBytes(size, qos * 7 + size) });
    }
    // Published in one burst: several kept payloads share a flush.
    await Promise.all(expected.map((e) => h.call(c, 'publish', e.topic, e.bytes, { qos: e.qos })));
    await h.waitFor(() => sub.got.length >= expected.length, 'every message at the subscriber', 20000);
    for (const e of expected) {
      const got = sub.got.filter((x) => x.topic === e.topic);
      assert.strictEqual(got.length, 1, e.topic + ' exactly once');
      assert.strictEqual(firstDifference(got[0].payload, e.bytes), null, e.topic + ' byte-exact');
    }
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(sub && sub.client);
    await m.stop();
  }
});

test('2 MiB QoS 1/2 publishes whose acknowledgements are lost are resent byte-exact after a forced reconnect', { skip: h.distMissing, timeout: 60000 }, async () => {
  const m = await startMosquitto();
  const proxy = await h.tcpProxy(m.wsPort);
  let sub;
  let c;
  try {
    sub = await subscriber(m, 'rs/#');
    ({ client: c } = await h.connectOurs('ws://127.0.0.1:' + proxy.port + '/mqtt', { clientId: 'large-rs', clean: false, reconnectPeriod: 150, sameClientIdLimit: 100 }));
    const connacks = [];
    c.on('connect', (ack) => connacks.push(ack));
    const q1 = h.patternBytes(MIB2, 11);
    const q2 = h.patternBytes(MIB2, 22);
    // The broker gets both, its PUBACK/PUBREC never reach us; the link dies.
    proxy.blackhole('down');
    const acked = [];
    const pubs = [
      h.call(c, 'publish', 'rs/1', q1, { qos: 1 }).then(() => acked.push(1)),
      h.call(c, 'publish', 'rs/2', q2, { qos: 2 }).then(() => acked.push(2)),
    ];
    await h.waitFor(() => sub.got.some((x) => x.topic === 'rs/1'), 'the QoS 1 copy at the subscriber', 15000);
    await h.sleep(200);
    assert.deepStrictEqual(acked, []);
    proxy.cut();
    await h.waitFor(() => connacks.length === 1, 'our reconnect', 10000);
    assert.strictEqual(connacks[0].sessionPresent, true);
    await Promise.all(pubs);
    await h.waitFor(() => sub.got.some((x) => x.topic === 'rs/2'), 'the QoS 2 message', 15000);
    await h.sleep(300);
    for (const [topic, bytes] of [['rs/1', q1], ['rs/2', q2]]) {
      const got = sub.got.filter((x) => x.topic === topic);
      assert.ok(got.length >= 1, topic);
      for (const g of got) assert.strictEqual(firstDifference(g.payload, bytes), null, topic + ' byte-exact');
    }
    assert.strictEqual(sub.got.filter((x) => x.topic === 'rs/2').length, 1, 'QoS 2 exactly once despite the resend');
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(sub && sub.client);
    await proxy.stop();
    await m.stop();
  }
});

/**
 * What a client sends when the page fills its buffer with 'B' right after publish() returned
 * (the buffer held 'A'), connected or with the publish waiting for the connection.
 */
async function sentAfterMutation(m, sub, connect, name, size) {
  const out = {};
  for (const mode of ['connected', 'queued']) {
    const topic = `mut/${name}/${mode}/${size}`;
    const client = connect(m.wsUrl + '/mqtt');
    if (mode === 'connected') await h.once(client, 'connect', 5000);
    const buf = Buffer.alloc(size, 0x41);
    const done = h.call(client, 'publish', topic, buf, { qos: 1 });
    buf.fill(0x42);
    await done;
    await h.waitFor(() => sub.got.some((x) => x.topic === topic), topic, 15000);
    const p = sub.got.find((x) => x.topic === topic).payload;
    out[mode] = p.every((b) => b === p[0]) ? String.fromCharCode(p[0]) : 'mixed';
    await h.endQuietly(client);
  }
  return out;
}

test('a page changing its buffer after publish(): a reference kept, as MQTT.js 4.2.1 keeps it (no copy)', { skip: h.distMissing, timeout: 60000 }, async () => {
  const m = await startMosquitto();
  let sub;
  try {
    sub = await subscriber(m, 'mut/#');
    const opts = { reconnectPeriod: 0 };
    const mqtt4 = (url) => require('mqtt4').connect(url, opts);
    const mqtt5 = (url) => require('mqtt').connect(url, opts);
    const oursConnect = (url) => h.ours().connect(url, opts);
    for (const size of [4096, MIB2]) {
      const theirs4 = await sentAfterMutation(m, sub, mqtt4, 'mqtt4', size);
      const theirs5 = await sentAfterMutation(m, sub, mqtt5, 'mqtt5', size);
      const ours = await sentAfterMutation(m, sub, oursConnect, 'ours', size);
      // MQTT.js 4.2.1 keeps the page's Buffer and sends what it holds when it is written.
      assert.deepStrictEqual(theirs4, { connected: 'B', queued: 'B' }, 'MQTT.js 4.2.1, ' + size + ' B');
      // Ours keeps the reference too (no copy at the call), and sends what the buffer holds
      // when it is written; connected, a burst past 32 KiB is written to the socket before
      // publish() returns (js-glue/client/mqtt-client.js COALESCE_BYTES), so a later change
      // comes too late for it.
      const written = size > 32768 ? 'A' : theirs4.connected;
      assert.deepStrictEqual(ours, { connected: written, queued: theirs4.queued }, 'ours, ' + size + ' B');
      // MQTT.js 5.16 writes the page's Buffer too, but sends a copy (rfdc) of a publish it
      // stored while offline.
      assert.deepStrictEqual(theirs5, { connected: 'B', queued: 'A' }, 'MQTT.js 5.16, ' + size + ' B');
    }
  } finally {
    await h.endQuietly(sub && sub.client);
    await m.stop();
  }
});
