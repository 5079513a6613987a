'use strict';
/**
 * MQTT 5 through the no-WebAssembly core (dist/mqtt.fallback.js, wasm2js) against Mosquitto,
 * with MQTT.js 5.16.0 as the peer: the broker's properties and refusals reach the page as
 * they do with the WebAssembly core. A file of its own because the core loads once per
 * process: every client here runs on the fallback.
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { startMosquitto } = require('../../support/mosquitto');
const h = require('./helpers');

const FALLBACK = path.join(h.REPO, 'dist', 'mqtt.fallback.js');
const skip = h.distMissing || (!fs.existsSync(FALLBACK) && 'dist/mqtt.fallback.js not built (scripts/build-fallback)');

let instantiated = 0;
/** The shipped fallback, counting its instantiations: proof the clients below use it. */
function countedFallback() {
  const real = require(FALLBACK);
  return Object.assign({}, real, {
    instantiate(imports) {
      instantiated++;
      return real.instantiate(imports);
    },
  });
}
const FALLBACK_V5 = { protocolVersion: 5, forceFallback: true, fallback: countedFallback() };
const url = (m) => m.wsUrl + '/mqtt';

test('no-WebAssembly core, v5: the broker\'s properties and a refused publish reach the page as with WebAssembly', { skip, timeout: 20000 }, async () => {
  const m = await startMosquitto({ extraConfig: 'message_size_limit 100' });
  let c;
  let peer;
  try {
    let got;
    ({ client: c, got } = await h.connectOurs(url(m), FALLBACK_V5));
    assert.strictEqual(instantiated, 1, 'the client runs on mqtt.fallback.js');
    ({ client: peer } = await h.connectPeer(url(m), { protocolVersion: 5 }));
    await h.call(c, 'subscribe', 'fb/in', { qos: 1 });
    const props = {
      userProperties: { colour: 'red', multi: ['a', 'b'], 'ключ': 'значение' },
      contentType: 'text/plain',
      responseTopic: 'fb/reply',
      correlationData: Buffer.from([0, 1, 254, 255]),
      payloadFormatIndicator: true,
    };
    await h.call(peer, 'publish', 'fb/in', 'hello', { qos: 1, properties: props });
    await h.waitFor(() => got.length === 1, 'the message');
    const p = got[0].packet.properties;
    assert.deepStrictEqual({ ...p.userProperties }, props.userProperties);
    assert.strictEqual(p.contentType, props.contentType);
    assert.strictEqual(p.responseTopic, props.responseTopic);
    assert.ok(Buffer.from(p.correlationData).equals(props.correlationData));
    assert.strictEqual(p.payloadFormatIndicator, true);
    assert.strictEqual(got[0].payload.toString(), 'hello');

    const err = await h.call(c, 'publish', 'big', Buffer.alloc(101), { qos: 1 }).then(() => null, (e) => e);
    assert.ok(err, 'refused');
    assert.strictEqual(err.code, 0x95);
    assert.strictEqual(err.message, 'Publish error: Packet too large');
    assert.strictEqual(instantiated, 1, 'one core for the process');
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(peer);
    await m.stop();
  }
});

// 64 KiB, not more: a large publish through the wasm2js core takes seconds here (1.5 s for
// 64 KiB, over 20 s for 2 MiB), with or without payloads kept in JS.
test('no-WebAssembly core: payloads from 1 KiB kept in JS reach the broker byte-exact (QoS 0/1/2)', { skip, timeout: 40000 }, async () => {
  const m = await startMosquitto();
  let c;
  let peer;
  try {
    ({ client: c } = await h.connectOurs(url(m), FALLBACK_V5));
    let got;
    ({ client: peer, got } = await h.connectPeer(url(m), { protocolVersion: 5 }));
    await h.call(peer, 'subscribe', 'fb/big/#', { qos: 2 });
    const expected = [];
    for (const qos of [0, 1, 2]) for (const size of [1023, 1024, 65536]) expected.push({ topic: `fb/big/${qos}/${size}`, qos, bytes: h.patternBytes(size, qos + size) });
    await Promise.all(expected.map((e) => h.call(c, 'publish', e.topic, e.bytes, { qos: e.qos })));
    await h.waitFor(() => got.length >= expected.length, 'every message', 20000);
    for (const e of expected) assert.ok(got.find((x) => x.topic === e.topic).payload.equals(e.bytes), e.topic);
    assert.strictEqual(instantiated, 1, 'one core for the process: the fallback');
  } finally {
    await h.endQuietly(c);
    await h.endQuietly(peer);
    await m.stop();
  }
});
