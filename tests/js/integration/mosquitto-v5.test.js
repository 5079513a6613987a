'use strict';
/**
 * MQTT 5 between our bundle and Mosquitto 2.0, with MQTT.js 5.16.0 (v5) as the peer and as
 * the reference for what the page sees: properties in both directions, no-local, a refused
 * subscription (ACL), session expiry, topic aliases (checked on the wire with mqtt-packet's
 * parser) and the broker's DISCONNECT on a session takeover.
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');
const mqttPacket = require('mqtt-packet');
const { startMosquitto } = require('../../support/mosquitto');
const h = require('./helpers');

const V5 = { protocolVersion: 5 };
const url = (m) => m.wsUrl + '/mqtt';

test('v5 properties round trip between our client and MQTT.js (user properties, content type, response topic, correlation data)', { skip: h.distMissing, timeout: 15000 }, async () => {
  const m = await startMosquitto();
  let c;
  let peer;
  try {
    let got;
    let peerGot;
    ({ client: c, got } = await h.connectOurs(url(m), V5));
    ({ client: peer, got: peerGot } = await h.connectPeer(url(m), V5));
    await h.call(c, 'subscribe', 'v5/to-ours', { qos: 1 });
    await h.call(peer, 'subscribe', 'v5/to-peer', { qos: 1 });
    const props = {
      userProperties: { colour: 'red', multi: ['a', 'b'], 'ключ': 'значение' },
      contentType: 'application/json; charset=utf-8',
      responseTopic: 'v5/reply/42',
      correlationData: Buffer.from([0, 1, 2, 254, 255]),
      payloadFormatIndicator: true,
      messageExpiryInterval: 3600,
    };
    await h.call(c, 'publish', 'v5/to-peer', '{"n":1}', { qos: 1, properties: props });
    await h.call(peer, 'publish', 'v5/to-ours', '{"n":2}', { qos: 1, properties: props });
    await h.waitFor(() => got.length === 1 && peerGot.length === 1, 'both messages');
    for (const [who, x] of [['MQTT.js got ours', peerGot[0]], ['ours got MQTT.js\'s', got[0]]]) {
      const p = x.packet.properties;
      assert.ok(p, `${who}: properties present`);
      assert.deepStrictEqual({ ...p.userProperties }, props.userProperties, `${who}: user properties (repeated key kept as an array)`);
      assert.strictEqual(p.contentType, props.contentType, who);
      assert.strictEqual(p.responseTopic, props.responseTopic, who);
      assert.ok(Buffer.from(p.correlationData).equals(props.correlationData), `${who}: correlation data`);
      assert.strictEqual(p.payloadFormatIndicator, true, who);
      // The broker counts down the expiry while it holds the message.
      assert.ok(p.messageExpiryInterval > 3590 && p.messageExpiryInterval <= 3600, `${who}: message expiry ${p.messageExpiryInterval}`);
    }
    assert.strictEqual(got[0].payload.toString(), '{"n":2}');
    assert.strictEqual(peerGot[0].payload.toString(), '{"n":1}');
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(peer);
    await m.stop();
  }
});

test('v5 no local: our own publishes do not come back on an nl subscription, the peer\'s do', { skip: h.distMissing, timeout: 15000 }, async () => {
  const m = await startMosquitto();
  let c;
  let peer;
  try {
    let got;
    let peerGot;
    ({ client: c, got } = await h.connectOurs(url(m), V5));
    ({ client: peer, got: peerGot } = await h.connectPeer(url(m), V5));
    await h.call(c, 'subscribe', { 'nl/a': { qos: 1, nl: true }, 'nl/b': { qos: 1 } });
    await h.call(peer, 'subscribe', 'nl/#', { qos: 1 });
    await h.call(c, 'publish', 'nl/a', 'mine on nl', { qos: 1 });
    await h.call(c, 'publish', 'nl/b', 'mine on b', { qos: 1 });
    await h.call(peer, 'publish', 'nl/a', 'theirs on nl', { qos: 1 });
    await h.waitFor(() => peerGot.length === 3 && got.length >= 2, 'deliveries');
    await h.sleep(150);
    assert.deepStrictEqual(got.map((x) => `${x.topic}:${x.payload}`).sort(), ['nl/a:theirs on nl', 'nl/b:mine on b']);
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(peer);
    await m.stop();
  }
});

/**
 * Mosquitto 2.0.11's acl_file never refuses a SUBSCRIBE (it filters deliveries instead); its
 * dynamic-security plugin does. Anonymous clients may subscribe to open/# only.
 */
function dynsecConfig() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-dynsec-'));
  // The broker runs as user `mosquitto` when started as root, and rewrites this file.
  fs.chmodSync(dir, 0o777);
  const file = path.join(dir, 'dynsec.json');
  const config = {
    defaultACLAccess: { publishClientSend: true, publishClientReceive: true, subscribe: false, unsubscribe: true },
    clients: [],
    groups: [{ groupname: 'anonymous', roles: [{ rolename: 'open' }] }],
    roles: [{ rolename: 'open', acls: [{ acltype: 'subscribePattern', topic: 'open/#', allow: true }] }],
    anonymousGroup: 'anonymous',
  };
  fs.writeFileSync(file, JSON.stringify(config), { mode: 0o666 });
  return { dir, extraConfig: `plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so\nplugin_opt_config_file ${file}` };
}

test('v5 refused subscription: SUBACK reason 0x87 reaches the callback as MQTT.js 5.16.0 reports it', { skip: h.distMissing, timeout: 15000 }, async () => {
  const dynsec = dynsecConfig();
  const m = await startMosquitto({ extraConfig: dynsec.extraConfig });
  let c;
  let peer;
  try {
    let got;
    ({ client: c, got } = await h.connectOurs(url(m), V5));
    ({ client: peer } = await h.connectPeer(url(m), V5));
    const outcome = (client) =>
      new Promise((resolve) => client.subscribe({ 'open/x': { qos: 1 }, 'closed/x': { qos: 1 } }, (err, granted, suback) => resolve({ err, granted, suback })));
    const [oursR, peerR] = await Promise.all([outcome(c), outcome(peer)]);
    assert.deepStrictEqual(Array.from(peerR.suback.granted), [1, 0x87], 'the broker refused closed/x');
    assert.strictEqual(peerR.err && peerR.err.message, 'Subscribe error: Not authorized', 'MQTT.js 5.16.0 reports an error');
    assert.deepStrictEqual(Array.from(oursR.suback.granted), [1, 0x87], 'our suback carries the codes');
    assert.ok(oursR.err, 'ours reports an error too, as MQTT.js 5.16.0 does');
    assert.strictEqual(oursR.err.message, peerR.err.message);
    // The granted topic works.
    await h.call(peer, 'publish', 'open/x', 'ok', { qos: 1 });
    await h.waitFor(() => got.length === 1, 'delivery on the granted topic');
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(peer);
    await m.stop();
    fs.rmSync(dynsec.dir, { recursive: true, force: true });
  }
});

/** The first 'error' of a client that must not connect, and whether it then connected. */
function firstError(client) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error within 5 s')), 5000);
    client.once('connect', () => {
      clearTimeout(timer);
      reject(new Error('connected although the broker refuses anonymous clients'));
    });
    client.once('error', (e) => {
      clearTimeout(timer);
      resolve(e);
    });
  });
}

test('a refused CONNACK (3.1.1 return code 5, v5 reason 0x87) gives the error MQTT.js 5.16.0 gives', { skip: h.distMissing, timeout: 15000 }, async () => {
  const m = await startMosquitto({ extraConfig: 'allow_anonymous false' });
  const clients = [];
  try {
    for (const [protocolVersion, code] of [[4, 5], [5, 0x87]]) {
      const opts = { protocolVersion, reconnectPeriod: 0, connectTimeout: 5000 };
      const ours = h.ours().connect(url(m), opts);
      const peer = h.mqttjs().connect(url(m), opts);
      clients.push(ours, peer);
      const [oursErr, peerErr] = await Promise.all([firstError(ours), firstError(peer)]);
      assert.strictEqual(peerErr.code, code, `MQTT.js sees code ${code} (protocol ${protocolVersion})`);
      assert.strictEqual(peerErr.message, 'Connection refused: Not authorized');
      assert.strictEqual(oursErr.code, peerErr.code);
      assert.strictEqual(oursErr.message, peerErr.message);
      assert.ok(oursErr instanceof h.ours().ErrorWithReasonCode);
    }
  } finally {
    for (const c of clients) await h.endQuietly(c);
    await m.stop();
  }
});

test('v5 refused publish: PUBACK/PUBREC reason 0x95 (message_size_limit) fails the callback with ErrorWithReasonCode', { skip: h.distMissing, timeout: 15000 }, async () => {
  const m = await startMosquitto({ extraConfig: 'message_size_limit 100' });
  let c;
  try {
    ({ client: c } = await h.connectOurs(url(m), V5));
    for (const qos of [1, 2]) {
      const err = await h.call(c, 'publish', 'big', Buffer.alloc(101), { qos }).then(() => null, (e) => e);
      assert.ok(err, `QoS ${qos}: refused`);
      assert.strictEqual(err.code, 0x95);
      assert.strictEqual(err.message, 'Publish error: Packet too large');
      assert.ok(err instanceof h.ours().ErrorWithReasonCode);
    }
    await h.call(c, 'publish', 'small', Buffer.alloc(100), { qos: 1 });
    assert.strictEqual(c.connected, true);
  } finally {
    await h.endQuietly(c);
    await m.stop();
  }
});

test('v5 session expiry: clean=false keeps the session for its interval, not beyond, and not at all without one', { skip: h.distMissing, timeout: 20000 }, async () => {
  const m = await startMosquitto();
  let peer;
  const clients = [];
  const session = async (clientId, expiry) => {
    const o = Object.assign({ clientId, clean: false }, V5);
    if (expiry !== undefined) o.properties = { sessionExpiryInterval: expiry };
    const r = await h.connectOurs(url(m), o);
    clients.push(r.client);
    return r;
  };
  const leave = (c) => new Promise((r) => c.end(r));
  try {
    ({ client: peer } = await h.connectPeer(url(m), V5));
    // 60 s: kept across a disconnect, with what was published meanwhile.
    let r = await session('exp-60', 60);
    assert.strictEqual(r.connack.sessionPresent, false);
    await h.call(r.client, 'subscribe', 'exp/60', { qos: 1 });
    await leave(r.client);
    await h.call(peer, 'publish', 'exp/60', 'while away', { qos: 1 });
    r = await session('exp-60', 60);
    assert.strictEqual(r.connack.sessionPresent, true);
    await h.waitFor(() => r.got.length === 1, 'the queued message');
    assert.strictEqual(r.got[0].payload.toString(), 'while away');
    await leave(r.client);

    // 1 s: gone after 2 s.
    r = await session('exp-1', 1);
    await h.call(r.client, 'subscribe', 'exp/1', { qos: 1 });
    await leave(r.client);
    await h.call(peer, 'publish', 'exp/1', 'expired with the session', { qos: 1 });
    await h.sleep(2200);
    r = await session('exp-1', 1);
    assert.strictEqual(r.connack.sessionPresent, false, 'expired');
    await h.sleep(200);
    assert.strictEqual(r.got.length, 0);
    await leave(r.client);

    // No interval: in v5 clean=false alone ends the session at the disconnect.
    r = await session('exp-0');
    await h.call(r.client, 'subscribe', 'exp/0', { qos: 1 });
    await leave(r.client);
    r = await session('exp-0');
    assert.strictEqual(r.connack.sessionPresent, false);
  } finally {
    for (const c of clients) await h.endQuietly(c);
    await h.endQuietly(peer);
    await m.stop();
  }
});

/** ws with every sent frame recorded: the bytes our client put on the wire. */
function recordingWebSocket(frames) {
  return class RecordingWebSocket extends WebSocket {
    send(data, ...rest) {
      frames.push(Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data));
      return super.send(data, ...rest);
    }
  };
}

/** Every MQTT packet in `frames`, parsed by mqtt-packet; throws on leftover bytes. */
function parseAll(frames, protocolVersion) {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets = [];
  let error = null;
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => {
    error = e;
  });
  for (const f of frames) {
    const left = parser.parse(f);
    if (error) throw error;
    assert.strictEqual(left, 0, 'each frame holds whole packets');
  }
  return packets;
}

for (const [label, flags] of [
  // MQTT.js: autoAssignTopicAlias alone assigns AND reuses aliases (client.ts _applyTopicAlias).
  ['autoAssignTopicAlias', { autoAssignTopicAlias: true }],
  ['autoAssignTopicAlias + autoUseTopicAlias', { autoAssignTopicAlias: true, autoUseTopicAlias: true }],
]) {
  test(`v5 topic aliases (${label}): within the broker's Topic Alias Maximum, seen on the wire and at the peer`, { skip: h.distMissing, timeout: 15000 }, async () => {
    const m = await startMosquitto({ extraConfig: 'max_topic_alias 2' });
    let c;
    let peer;
    try {
      const frames = [];
      let connack;
      ({ client: c, connack } = await h.connectOurs(url(m), Object.assign({ WebSocket: recordingWebSocket(frames) }, flags, V5)));
      assert.strictEqual(connack.properties.topicAliasMaximum, 2, 'the broker announces its maximum');
      let peerGot;
      ({ client: peer, got: peerGot } = await h.connectPeer(url(m), V5));
      await h.call(peer, 'subscribe', 'alias/#', { qos: 1 });
      const topics = ['alias/one', 'alias/one', 'alias/two', 'alias/two', 'alias/three', 'alias/three', 'alias/one', 'alias/two'];
      for (let i = 0; i < topics.length; i++) await h.call(c, 'publish', topics[i], `m${i}`, { qos: 1 });
      await h.waitFor(() => peerGot.length === topics.length, 'all at the peer');
      assert.deepStrictEqual(peerGot.map((x) => `${x.topic}:${x.payload}`), topics.map((t, i) => `${t}:m${i}`), 'the broker resolved every alias to its topic');

      // On the wire, as mqtt-packet reads it: an alias is bound by a PUBLISH carrying topic and
      // alias, used by a PUBLISH with an empty topic; no two topics share an alias.
      const publishes = parseAll(frames, 5).filter((p) => p.cmd === 'publish');
      assert.strictEqual(publishes.length, topics.length);
      const bound = {};
      publishes.forEach((p, i) => {
        const alias = p.properties && p.properties.topicAlias;
        if (alias !== undefined) assert.ok(alias >= 1 && alias <= 2, `alias ${alias} within the maximum`);
        if (p.topic === '') {
          assert.strictEqual(bound[alias], topics[i], `packet ${i}: alias ${alias} stands for ${topics[i]}`);
        } else {
          assert.strictEqual(p.topic, topics[i]);
          if (alias !== undefined) bound[alias] = topics[i];
        }
      });
      // alias/one and alias/two get the two aliases and are sent by alias when repeated; then
      // each new topic rebinds the least recently used alias (MQTT.js' topic-alias-send), so
      // alias/three's repeat goes by alias, and alias/one and alias/two come back in full.
      assert.deepStrictEqual(publishes.map((p) => p.topic === ''), [false, true, false, true, false, true, false, false], 'repeats go as aliases');
      assert.deepStrictEqual(publishes.map((p) => p.properties && p.properties.topicAlias), [1, 1, 2, 2, 1, 1, 2, 1], 'the least recently used alias is rebound');
    } finally {
      await h.endQuietly(c);
      await h.endQuietly(peer);
      await m.stop();
    }
  });
}

for (const [label, version] of [['v5', V5], ['v3.1.1', {}]]) {
  test(`${label} session takeover: Mosquitto 2.0.11 just closes the old socket; a peer that keeps taking the id back makes ours report client_id_taken and back off`, { skip: h.distMissing, timeout: 15000 }, async () => {
    const m = await startMosquitto();
    let c;
    let peer;
    try {
      ({ client: c } = await h.connectOurs(url(m), Object.assign({ clientId: 'same-id', reconnectPeriod: 100 }, version)));
      const seen = [];
      c.on('connect', () => seen.push('connect'));
      c.on('disconnect', (p) => seen.push(`disconnect:${p.reasonCode}`));
      c.on('error', (e) => seen.push(`error:${e.code}`));
      c.on('end', () => seen.push('end'));
      // MQTT.js reconnects as eagerly: each side closes the other's connection in turn.
      ({ client: peer } = await h.connectPeer(url(m), Object.assign({ clientId: 'same-id', reconnectPeriod: 100 }, version)));
      await h.waitFor(() => seen.includes('error:client_id_taken'), 'our client_id_taken', 8000);
      const before = seen.length;
      await h.sleep(600); // several reconnect periods
      assert.strictEqual(seen.length, before, 'nothing while backing off (5 s): ' + seen.join(' '));
      // Three connections lost within 2 s of their CONNACK (the default sameClientIdLimit).
      assert.deepStrictEqual(seen.filter((s) => s === 'connect').length, 2, seen.join(' '));
      // Mosquitto 2.0.11 sends no DISCONNECT 0x8E on a takeover, to v5 clients either (on
      // one, the core would stop at once: src/engine/mod.rs handle_server_disconnect).
      assert.ok(!seen.some((s) => s.startsWith('disconnect')), seen.join(' '));
      assert.strictEqual(c.connected, false, 'connected');
      await h.waitFor(() => peer.connected, 'the peer holding the id');
      // An inference never stops reconnecting for good (issue 19): it waits to try again.
      assert.strictEqual(c.reconnecting, true, 'reconnecting: true while it waits to try again');
    } finally {
      await h.endQuietly(c);
      await h.endQuietly(peer);
      await m.stop();
    }
  });
}
