'use strict';
/**
 * Every WebSocket frame our dist sends is exactly MQTT bytes. A page on dist/mqtt.min.js runs
 * a whole session in the emulated WeChat and Alipay (SocketTask and legacy single-socket)
 * logic layers against aedes: CONNECT, SUBSCRIBE, PUBLISH QoS 0/1/2 (a 256 KiB payload first,
 * so the wasm memory is far larger than the later messages), the acks of both directions
 * (PUBACK, PUBREC, PUBREL, PUBCOMP), PINGREQ, UNSUBSCRIBE, DISCONNECT. The frames the phone
 * put on the wire are parsed with mqtt-packet (an implementation independent of ours): every
 * byte must belong to a well-formed packet, every frame must hold whole packets, the packets
 * must be what the session did, in order. This is the class of MQTT.js' `chunk.buffer` bug
 * (PR #1506: the whole backing buffer sent instead of the view).
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const mqttPacket = require('mqtt-packet');
const { runPage } = require('../../emulation/runner');
const { startAedes } = require('../../support/aedes');
const { installDist, originRewrite, REPO } = require('../../support/page');
const { tempProject } = require('./helpers');

const DIST = path.join(REPO, 'dist');
const distMissing = !fs.existsSync(path.join(DIST, 'mqtt.min.js')) && 'dist/ not built (scripts/build-wasm && node scripts/bundle.js)';

const SIZES = { 0: 256 * 1024, 1: 5, 2: 3000 };

/** Deterministic payload bytes; the page has the same generator. */
function payload(n, seed) {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = (x >>> 16) & 255;
  }
  return b;
}

const PAGE = `const mqtt = require('../../utils/mqtt.min.js')
const SIZES = ${JSON.stringify(SIZES)}
function payload(n, seed) {
  const b = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    b[i] = (x >>> 16) & 255
  }
  return b
}
Page({
  data: { state: 'idle', got: [], acks: [], errors: [] },
  start(protocolVersion) {
    const o = { clientId: 'bytes-test', keepalive: 1, reconnectPeriod: 0, protocolVersion: protocolVersion }
    if (typeof my !== 'undefined') o.my = my
    const c = mqtt.connect('wxs://broker.example.com/mqtt', o)
    this.c = c
    c.on('connect', () => this.setData({ state: 'connected' }))
    c.on('error', (e) => this.setData({ errors: this.data.errors.concat([e.message]) }))
    c.on('message', (topic, message, packet) => {
      const expected = payload(SIZES[packet.qos], 7 + packet.qos)
      let same = message.length === expected.length
      for (let i = 0; same && i < expected.length; i++) same = message[i] === expected[i]
      this.setData({ got: this.data.got.concat([{ topic: topic, qos: packet.qos, messageId: packet.messageId, same: same }]) })
    })
    c.on('end', () => this.setData({ state: 'ended' }))
  },
  sub() {
    this.c.subscribe({ 'b/0': { qos: 0 }, 'b/1': { qos: 1 }, 'b/2': { qos: 2 } }, (err) => this.setData({ state: err ? 'error' : 'subscribed' }))
  },
  pub(qos) {
    this.c.publish('b/' + qos, payload(SIZES[qos], 7 + qos), { qos: qos }, (err) => this.setData({ acks: this.data.acks.concat([err ? 'error' : qos]) }))
  },
  unsub() {
    this.c.unsubscribe(['b/0', 'b/1', 'b/2'], (err) => this.setData({ state: err ? 'error' : 'unsubscribed' }))
  },
  finish() {
    this.c.end()
  },
})`;

/** Parses `frames` (Buffers) as one MQTT stream; throws on malformed bytes. */
function parseStream(frames, protocolVersion) {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets = [];
  let error = null;
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => {
    error = e;
  });
  let left = 0;
  for (const f of frames) {
    left = parser.parse(f);
    if (error) throw new Error(`malformed MQTT bytes: ${error.message}`);
  }
  return { packets, left };
}

/** Packets of one frame on its own; the frame must hold whole packets and nothing else. */
function parseFrame(frame, protocolVersion, index) {
  const { packets, left } = parseStream([frame], protocolVersion);
  assert.strictEqual(left, 0, `frame ${index} (${frame.length} bytes) ends inside a packet`);
  assert.ok(packets.length > 0, `frame ${index} holds a packet`);
  const total = packets.reduce((n, p) => n + mqttPacket.generate(p, { protocolVersion }).length, 0);
  assert.strictEqual(total, frame.length, `frame ${index}: ${frame.length} bytes, but its packets re-encode to ${total}: extra bytes`);
  return packets;
}

/**
 * Runs the session on `platform` and returns {frames, phases}: every frame sent (bytes) and the
 * index of the first frame of each phase. `boundary` records what reached the platform API.
 */
async function session({ platform, protocolVersion, legacy, brokerUrl }) {
  const files = { 'pages/index/index.js': PAGE };
  if (platform === 'wx') files['project.config.json'] = '{}';
  else {
    files['mini.project.json'] = '{"format":2}';
    files['app.json'] = JSON.stringify({ pages: ['pages/index/index'], behavior: { connectSocketDefaultMultiple: !legacy } });
  }
  const root = tempProject(files);
  installDist(DIST, root);
  const rewrite = originRewrite('wss://broker.example.com', brokerUrl);
  const page = await runPage(root, 'pages/index/index', { rewrite, platform });
  const boundary = [];
  try {
    const api = platform === 'wx' ? page.realm.context.wx : page.realm.context.my;
    // Watch (and for `legacy`, steer) the API boundary from outside the emulator: what the
    // library hands to send(), before the platform decodes it.
    const connect = api.connectSocket;
    api.connectSocket = (o) => {
      if (legacy) o.multiple = false; // a base library without SocketTask ignores `multiple`
      const task = connect(o);
      if (task && typeof task.send === 'function') {
        const send = task.send;
        task.send = (s) => {
          boundary.push({ via: 'task', data: s.data });
          if (platform === 'my') assert.strictEqual(s.isBuffer, true, 'Alipay frames go with isBuffer: true');
          return send(s);
        };
      }
      return task;
    };
    if (platform === 'my') {
      const send = api.sendSocketMessage;
      api.sendSocketMessage = (s) => {
        boundary.push({ via: 'legacy', data: s.data });
        assert.strictEqual(s.isBuffer, true, 'Alipay legacy frames go with isBuffer: true');
        return send(s);
      };
    }

    const phases = {};
    const sent = () => (page.sockets[0] ? page.sockets[0].sent : []);
    const mark = (name) => {
      phases[name] = sent().length;
    };
    /** Waits until the packets sent since phase `name` satisfy pred. */
    const sentSince = (name, pred, what) =>
      page.waitFor(() => pred(parseStream(sent().slice(phases[name]).map((f) => f.bytes), protocolVersion).packets), { timeout: 5000, what });
    // Page values live in the page's realm: copy them out as plain host values.
    const data = () => JSON.parse(JSON.stringify(page.data));

    mark('connect');
    page.call('start', protocolVersion);
    await page.waitFor((d) => d.state === 'connected', { timeout: 8000, what: 'connect' });
    mark('subscribe');
    page.call('sub');
    await page.waitFor((d) => d.state === 'subscribed', { what: 'suback' });
    mark('publish0');
    page.call('pub', 0);
    await page.waitFor((d) => d.acks.includes(0) && d.got.some((g) => g.qos === 0), { what: 'QoS 0 out and back' });
    mark('publish1');
    page.call('pub', 1);
    await page.waitFor((d) => d.acks.includes(1) && d.got.some((g) => g.qos === 1), { what: 'QoS 1 out and back' });
    await sentSince('publish1', (ps) => ps.some((p) => p.cmd === 'puback'), 'our PUBACK');
    mark('publish2');
    page.call('pub', 2);
    await page.waitFor((d) => d.acks.includes(2) && d.got.some((g) => g.qos === 2), { what: 'QoS 2 out and back' });
    await sentSince('publish2', (ps) => ps.some((p) => p.cmd === 'pubcomp'), 'our PUBCOMP');
    mark('ping');
    await sentSince('ping', (ps) => ps.some((p) => p.cmd === 'pingreq'), 'a PINGREQ (keepalive 1 s)');
    mark('unsubscribe');
    page.call('unsub');
    await page.waitFor((d) => d.state === 'unsubscribed', { what: 'unsuback' });
    mark('disconnect');
    page.call('finish');
    await page.waitFor((d) => d.state === 'ended', { what: 'end' });
    await page.waitFor(() => page.sockets[0].state === 'closed', { what: 'the socket closed' });

    assert.deepStrictEqual(data().errors, [], 'no client errors');
    assert.strictEqual(page.sockets.length, 1, 'one socket for the whole session');
    assert.deepStrictEqual(data().got.map((g) => [g.topic, g.qos, g.same]), [['b/0', 0, true], ['b/1', 1, true], ['b/2', 2, true]], 'each message came back intact, once');
    return { frames: page.sockets[0].sent, phases, boundary, got: data().got };
  } finally {
    page.close();
  }
}

function checkSession({ frames, phases, boundary, got }, { platform, protocolVersion, legacy }) {
  assert.ok(frames.every((f) => f.binary), 'every frame is binary');
  // What the library handed the platform API is exactly what went out.
  assert.strictEqual(boundary.length, frames.length, 'one API send per frame');
  assert.ok(boundary.every((b) => b.via === (legacy ? 'legacy' : 'task')), `every frame through the ${legacy ? 'legacy' : 'SocketTask'} API`);
  boundary.forEach(({ data }, i) => {
    const bytes = platform === 'my' ? Buffer.from(data, 'base64') : Buffer.from(new Uint8Array(data));
    if (platform === 'my') assert.match(data, /^[A-Za-z0-9+/]*={0,2}$/, `frame ${i}: base64`);
    assert.ok(bytes.equals(frames[i].bytes), `frame ${i}: API data and wire bytes agree`);
  });

  // The whole stream: every byte in a well-formed packet.
  const stream = parseStream(frames.map((f) => f.bytes), protocolVersion);
  assert.strictEqual(stream.left, 0, 'the stream ends on a packet boundary');
  // Each frame on its own: whole packets, no extra byte.
  const perFrame = frames.map((f, i) => parseFrame(f.bytes, protocolVersion, i));
  assert.deepStrictEqual(perFrame.flat().map((p) => p.cmd), stream.packets.map((p) => p.cmd));

  const names = Object.keys(phases);
  const inPhase = (name) => {
    const i = names.indexOf(name);
    const end = i + 1 < names.length ? phases[names[i + 1]] : frames.length;
    return perFrame.slice(phases[name], end).flat();
  };
  const cmds = (name) => inPhase(name).map((p) => p.cmd);

  const [connect] = inPhase('connect');
  assert.deepStrictEqual(cmds('connect'), ['connect']);
  assert.strictEqual(connect.protocolVersion, protocolVersion);
  assert.strictEqual(connect.clientId, 'bytes-test');
  assert.strictEqual(connect.keepalive, 1);
  assert.strictEqual(connect.clean, true);

  assert.deepStrictEqual(cmds('subscribe'), ['subscribe']);
  assert.deepStrictEqual(inPhase('subscribe')[0].subscriptions.map((s) => [s.topic, s.qos]), [['b/0', 0], ['b/1', 1], ['b/2', 2]]);

  const [p0] = inPhase('publish0');
  assert.deepStrictEqual(cmds('publish0'), ['publish'], 'QoS 0: the PUBLISH only');
  assert.strictEqual(p0.qos, 0);
  assert.strictEqual(p0.topic, 'b/0');
  assert.ok(p0.payload.equals(payload(SIZES[0], 7)), 'the 256 KiB payload, exactly');

  const in1 = got.find((g) => g.qos === 1);
  assert.deepStrictEqual(cmds('publish1'), ['publish', 'puback'], 'QoS 1: PUBLISH, then our PUBACK of the copy that came back');
  const [p1, ack1] = inPhase('publish1');
  assert.deepStrictEqual([p1.qos, p1.topic, p1.dup], [1, 'b/1', false]);
  assert.ok(p1.payload.equals(payload(SIZES[1], 8)));
  assert.strictEqual(ack1.messageId, in1.messageId);

  const in2 = got.find((g) => g.qos === 2);
  const ph2 = inPhase('publish2');
  assert.deepStrictEqual(cmds('publish2').slice().sort(), ['pubcomp', 'publish', 'pubrec', 'pubrel'], 'QoS 2 both ways: ' + cmds('publish2'));
  const idx = (cmd) => ph2.findIndex((p) => p.cmd === cmd);
  const p2 = ph2[idx('publish')];
  assert.strictEqual(idx('publish'), 0);
  assert.deepStrictEqual([p2.qos, p2.topic, p2.dup], [2, 'b/2', false]);
  assert.ok(p2.payload.equals(payload(SIZES[2], 9)));
  assert.strictEqual(ph2[idx('pubrel')].messageId, p2.messageId, 'PUBREL for our PUBLISH');
  assert.strictEqual(ph2[idx('pubrec')].messageId, in2.messageId, 'PUBREC for the incoming copy');
  assert.strictEqual(ph2[idx('pubcomp')].messageId, in2.messageId, 'PUBCOMP for the incoming copy');
  assert.ok(idx('pubrec') < idx('pubcomp'));

  assert.ok(cmds('ping').length >= 1 && cmds('ping').every((c) => c === 'pingreq'), 'idle: PINGREQ only: ' + cmds('ping'));
  assert.deepStrictEqual(cmds('unsubscribe'), ['unsubscribe']);
  assert.deepStrictEqual(inPhase('unsubscribe')[0].unsubscriptions, ['b/0', 'b/1', 'b/2']);
  assert.deepStrictEqual(cmds('disconnect'), ['disconnect']);

  // No frame is larger than the packets it carries (the chunk.buffer bug sends the whole
  // wasm memory, megabytes, for a 2-byte PINGREQ).
  const largest = Math.max(...frames.map((f) => f.bytes.length));
  assert.ok(largest < SIZES[0] + 64, `largest frame ${largest} bytes`);
}

for (const [label, platform, legacy] of [
  ['wx SocketTask', 'wx', false],
  ['my SocketTask', 'my', false],
  ['my legacy single socket', 'my', true],
]) {
  test(`${label}: every frame of a whole session is exactly the MQTT packets (mqtt-packet parses the stream)`, { skip: distMissing, timeout: 30000 }, async () => {
    const b = await startAedes();
    try {
      const s = await session({ platform, protocolVersion: 4, legacy, brokerUrl: b.url });
      checkSession(s, { platform, protocolVersion: 4, legacy });
    } finally {
      await b.stop();
    }
  });
}
