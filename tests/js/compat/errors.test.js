'use strict';
/**
 * Errors as MQTT.js 5.16 reports them where pages and its tests match on them (issue #21):
 * "Missing protocol" (our explanation in `hint`), ECONNREFUSED in `code` for a refused socket
 * in Node, and AUTH data without an AUTH method refused with MQTT.js' message.
 */
const test = require('node:test');
const assert = require('node:assert');
const { freePort } = require('../../support/mosquitto');
const { bundleMissing, libraries, sideBySide, acceptAll, waitFor, sleep } = require('./helpers');

const skip = bundleMissing;

test('"Missing protocol": a URL without a scheme, and connect(url, {protocol: null})', { skip }, () => {
  for (const [name, mqtt] of libraries()) {
    for (const args of [['foo.bar.com'], ['foo.bar.com/mqtt'], ['tcp://foo.bar.com', { protocol: null }], ['wss://foo.bar.com/mqtt', { protocol: '' }]]) {
      assert.throws(() => mqtt.connect(...args), (err) => err.message === 'Missing protocol', name + ' ' + JSON.stringify(args));
    }
  }
  const [, ours] = libraries()[1];
  assert.throws(() => ours.connect('broker.example.com/mqtt'), (err) => /wss:\/\//.test(err.hint));
});

test('a refused connection in Node: the first error has code ECONNREFUSED, as in MQTT.js', { skip, timeout: 20000 }, async () => {
  const port = await freePort(); // free, so nothing listens there
  for (const [name, mqtt] of libraries()) {
    const client = mqtt.connect('ws://127.0.0.1:' + port + '/mqtt', { reconnectPeriod: 0 });
    const errors = [];
    client.on('error', (e) => errors.push(e));
    await waitFor(() => errors.length > 0, name + ' error');
    client.end(true);
    assert.strictEqual(errors[0].code, 'ECONNREFUSED', name);
    assert.match(errors[0].message, /ECONNREFUSED/, name);
    if (name === 'mpmqtt') assert.match(errors[0].message, /^Connection failed: /);
  }
});

// MQTT.js sends the CONNECT, then ends and reports; we refuse before connecting (docs/compat.md).
test('v5 AUTH data without an AUTH method: an error with MQTT.js\' message, not connected afterwards', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ protocolVersion: 5, onConnection: acceptAll() }, async ({ mqtt, broker }) => {
    const client = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0, properties: { authenticationData: Buffer.from('secret') } });
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    await waitFor(() => errors.length > 0, 'the error');
    await sleep(200);
    const connected = client.connected;
    client.end(true);
    return { errors, connected };
  });
  const expected = { errors: ['Packet has no Authentication Method'], connected: false };
  assert.deepStrictEqual(results['MQTT.js'], expected, 'MQTT.js, the reference');
  assert.deepStrictEqual(results.mpmqtt, expected);
});
