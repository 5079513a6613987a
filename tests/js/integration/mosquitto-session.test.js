'use strict';
/**
 * Our bundle against Mosquitto when links die: the Will message (sent on a dead socket, not
 * after a clean end()), and clean=false sessions resumed across a client reconnect and a
 * broker restart with persistence, in both directions (messages queued by the broker while we
 * are away; our unacknowledged QoS 1/2 publishes resent). The link is killed by a TCP proxy
 * between our client and the broker's WebSocket listener.
 */
const test = require('node:test');
const assert = require('node:assert');
const { startMosquitto } = require('../../support/mosquitto');
const h = require('./helpers');

const proxied = (proxy) => `ws://127.0.0.1:${proxy.port}/mqtt`;

test('Will: delivered to mosquitto_sub and MQTT.js when our socket dies, not after a clean end()', { skip: h.distMissing, timeout: 20000 }, async () => {
  const m = await startMosquitto();
  const proxy = await h.tcpProxy(m.wsPort);
  let sub;
  let peer;
  let c;
  let c2;
  try {
    sub = h.mosquittoSub(m.tcpPort, 'will/#', { qos: 2 });
    await sub.ready;
    let peerGot;
    ({ client: peer, got: peerGot } = await h.connectPeer(m.wsUrl + '/mqtt'));
    await h.call(peer, 'subscribe', 'will/#', { qos: 1 });
    const willPayload = Buffer.concat([Buffer.from('gone: '), h.ALL_BYTES]);
    ({ client: c } = await h.connectOurs(proxied(proxy), { clientId: 'will-1', will: { topic: 'will/ours', payload: willPayload, qos: 1, retain: false } }));
    await h.call(c, 'publish', 'will/alive', 'alive', { qos: 1 });
    await h.waitFor(() => sub.messages.length === 1 && peerGot.length === 1, 'the live message');
    const closed = h.once(c, 'close');
    proxy.cut();
    await closed;
    await h.waitFor(() => sub.messages.length === 2 && peerGot.length === 2, 'the will at both peers');
    assert.deepStrictEqual([sub.messages[1].topic, sub.messages[1].qos], ['will/ours', 1]);
    assert.ok(sub.messages[1].payload.equals(willPayload), 'will payload, byte for byte (mosquitto_sub)');
    assert.ok(peerGot[1].payload.equals(willPayload), 'will payload, byte for byte (MQTT.js)');
    assert.strictEqual(peerGot[1].topic, 'will/ours');

    // A clean end(): DISCONNECT first, so the broker discards the will.
    ({ client: c2 } = await h.connectOurs(m.wsUrl + '/mqtt', { clientId: 'will-2', will: { topic: 'will/clean', payload: 'must not appear', qos: 1 } }));
    await new Promise((r) => c2.end(r));
    await h.mosquittoPub(m.tcpPort, 'will/marker', 'after end', { qos: 1 });
    await h.waitFor(() => sub.messages.some((x) => x.topic === 'will/marker') && peerGot.some((x) => x.topic === 'will/marker'), 'the marker');
    await h.sleep(100);
    assert.deepStrictEqual(sub.messages.map((x) => x.topic), ['will/alive', 'will/ours', 'will/marker']);
    assert.deepStrictEqual(peerGot.map((x) => x.topic), ['will/alive', 'will/ours', 'will/marker']);
  } finally {
    if (sub) await sub.kill();
    await h.endQuietly(c);
    await h.endQuietly(c2);
    await h.endQuietly(peer);
    await proxy.stop();
    await m.stop();
  }
});

/** Counts of each payload string among `got` messages on `topic`. */
function counts(got, topic) {
  const out = {};
  for (const x of got) if (x.topic === topic) out[x.payload.toString()] = (out[x.payload.toString()] || 0) + 1;
  return out;
}

test('clean=false across a client reconnect: queued messages arrive, unacknowledged publishes are resent (QoS 2 exactly once)', { skip: h.distMissing, timeout: 30000 }, async () => {
  const m = await startMosquitto();
  const proxy = await h.tcpProxy(m.wsPort);
  let peer;
  let c;
  try {
    let peerGot;
    ({ client: peer, got: peerGot } = await h.connectPeer(m.wsUrl + '/mqtt', { clientId: 'rs-peer' }));
    await h.call(peer, 'subscribe', 'rs/out/#', { qos: 2 });
    let connack;
    let got;
    // Four links die within 2 s of their CONNACK here; by default three such closes in a row
    // read as "client id taken over" (v3.1.1 brokers just close the socket) and stop us.
    ({ client: c, connack, got } = await h.connectOurs(proxied(proxy), { clientId: 'rs-ours', clean: false, reconnectPeriod: 150, sameClientIdLimit: 100 }));
    assert.strictEqual(connack.sessionPresent, false);
    const connacks = [];
    c.on('connect', (ack) => connacks.push(ack));
    await h.call(c, 'subscribe', { 'rs/in/1': { qos: 1 }, 'rs/in/2': { qos: 2 } });

    // 1. While we are away (the broker looks unreachable), the peer publishes.
    proxy.refuse(true);
    proxy.cut();
    await h.once(c, 'close');
    const sends = [];
    for (let i = 0; i < 5; i++) {
      sends.push(h.call(peer, 'publish', 'rs/in/1', `a${i}`, { qos: 1 }));
      sends.push(h.call(peer, 'publish', 'rs/in/2', `b${i}`, { qos: 2 }));
    }
    await Promise.all(sends);
    await h.sleep(400); // a few refused reconnect attempts
    assert.strictEqual(c.connected, false);
    proxy.refuse(false);
    await h.waitFor(() => connacks.length === 1, 'our reconnect', 5000);
    assert.strictEqual(connacks[0].sessionPresent, true, 'the broker kept our session');
    await h.waitFor(() => got.length >= 10, 'the ten queued messages');
    await h.sleep(150);
    const in1 = counts(got, 'rs/in/1');
    assert.deepStrictEqual(Object.keys(in1).sort(), ['a0', 'a1', 'a2', 'a3', 'a4'], 'QoS 1: all at least once');
    assert.deepStrictEqual(counts(got, 'rs/in/2'), { b0: 1, b1: 1, b2: 1, b3: 1, b4: 1 }, 'QoS 2: each exactly once');

    // 2. Our publishes reach the broker but every answer is lost (PUBACK, PUBREC), then the
    //    link dies. Mosquitto delivers QoS 1 at once and QoS 2 only on PUBREL, so the resent
    //    PUBLISH (same id, dup) must not make a second QoS 2 delivery.
    proxy.blackhole('down');
    const acked = [];
    const pubs = [];
    for (let i = 0; i < 3; i++) {
      pubs.push(h.call(c, 'publish', 'rs/out/1', `p${i}`, { qos: 1 }).then(() => acked.push(`p${i}`)));
      pubs.push(h.call(c, 'publish', 'rs/out/2', `q${i}`, { qos: 2 }).then(() => acked.push(`q${i}`)));
    }
    await h.waitFor(() => peerGot.length >= 3, 'the peer to get the QoS 1 copies');
    await h.sleep(100);
    assert.deepStrictEqual(acked, [], 'no acknowledgement reached our client');
    proxy.cut();
    await h.waitFor(() => connacks.length === 2, 'the second reconnect', 5000);
    assert.strictEqual(connacks[1].sessionPresent, true);
    await Promise.all(pubs);

    // 3. The broker's PUBCOMP is lost: the message was delivered, so we must resend the
    //    PUBREL, not the PUBLISH (which the broker would take as a new message).
    proxy.cutOnDown(7);
    const relayed = h.call(c, 'publish', 'rs/out/2', 'c0', { qos: 2 });
    await h.waitFor(() => !proxy.armed, 'the PUBCOMP to be cut');
    await h.waitFor(() => connacks.length === 3, 'the third reconnect', 5000);
    await relayed;

    // 4. Our publishes never reach the broker, then the link dies.
    proxy.blackhole('up');
    const lost = [h.call(c, 'publish', 'rs/out/1', 'u1', { qos: 1 }), h.call(c, 'publish', 'rs/out/2', 'u2', { qos: 2 })];
    await h.sleep(150);
    proxy.cut();
    await h.waitFor(() => connacks.length === 4, 'the fourth reconnect', 5000);
    await Promise.all(lost);
    await h.waitFor(() => (counts(peerGot, 'rs/out/2').u2 || 0) >= 1 && (counts(peerGot, 'rs/out/1').u1 || 0) >= 1, 'the resent publishes at the peer');
    await h.sleep(200);
    const out1 = counts(peerGot, 'rs/out/1');
    assert.deepStrictEqual(Object.keys(out1).sort(), ['p0', 'p1', 'p2', 'u1'], 'QoS 1: each at least once');
    assert.deepStrictEqual(counts(peerGot, 'rs/out/2'), { c0: 1, q0: 1, q1: 1, q2: 1, u2: 1 }, 'QoS 2: each exactly once despite the resends');
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(peer);
    await proxy.stop();
    await m.stop();
  }
});

test('clean=false across a broker restart with persistence: queued messages arrive, our in-flight publishes are resent', { skip: h.distMissing, timeout: 30000 }, async () => {
  const m = await startMosquitto({ persistence: true });
  const proxy = await h.tcpProxy(m.wsPort);
  let peer;
  let c;
  let c2;
  try {
    // Our session with its subscription, then a clean end(): the session stays on the broker.
    ({ client: c } = await h.connectOurs(m.wsUrl + '/mqtt', { clientId: 'pr-ours', clean: false }));
    await h.call(c, 'subscribe', 'pr/in/#', { qos: 2 });
    await new Promise((r) => c.end(r));
    c = null;

    let peerGot;
    ({ client: peer, got: peerGot } = await h.connectPeer(m.wsUrl + '/mqtt', { clientId: 'pr-peer', clean: false, reconnectPeriod: 100 }));
    await h.call(peer, 'subscribe', 'pr/out/#', { qos: 2 });
    for (let i = 0; i < 3; i++) {
      await h.call(peer, 'publish', 'pr/in/1', `a${i}`, { qos: 1 });
      await h.call(peer, 'publish', 'pr/in/2', `b${i}`, { qos: 2 });
    }
    await m.restart();

    let connack;
    let got;
    ({ client: c, connack, got } = await h.connectOurs(proxied(proxy), { clientId: 'pr-ours', clean: false, reconnectPeriod: 150 }));
    assert.strictEqual(connack.sessionPresent, true, 'session restored from the persistence file');
    await h.waitFor(() => got.length >= 6, 'the six queued messages');
    await h.sleep(150);
    assert.deepStrictEqual(Object.keys(counts(got, 'pr/in/1')).sort(), ['a0', 'a1', 'a2'], 'QoS 1 queued before the restart');
    assert.deepStrictEqual(counts(got, 'pr/in/2'), { b0: 1, b1: 1, b2: 1 }, 'QoS 2 queued before the restart, once each');

    // Our publishes never reach the broker; it restarts; we reconnect and resend.
    await h.waitFor(() => peer.connected, 'the peer back after the restart');
    const connects = [];
    c.on('connect', (ack) => connects.push(ack));
    proxy.blackhole('up');
    const pubs = [h.call(c, 'publish', 'pr/out/1', 'r1', { qos: 1 }), h.call(c, 'publish', 'pr/out/2', 'r2', { qos: 2 })];
    await h.sleep(150);
    await m.restart();
    proxy.cut();
    await h.waitFor(() => connects.length >= 1, 'our reconnect after the second restart', 8000);
    assert.strictEqual(connects[0].sessionPresent, true);
    await Promise.all(pubs);
    await h.waitFor(() => peerGot.length >= 2, 'the resent publishes at the peer', 8000);
    await h.sleep(200);
    assert.deepStrictEqual(Object.keys(counts(peerGot, 'pr/out/1')), ['r1']);
    assert.deepStrictEqual(counts(peerGot, 'pr/out/2'), { r2: 1 });
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(c2);
    await h.endQuietly(peer);
    await proxy.stop();
    await m.stop();
  }
});
