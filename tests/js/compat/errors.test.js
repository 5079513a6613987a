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

// MQTT.js sends the CONNECT, then ends the client and reports the error from end()'s callback:
// 'end' first, and `disconnected`/`disconnecting` true at the error. We refuse before
// connecting, in the same state (docs/compat.md). Not compared: what MQTT.js does with the
// socket it opened ('close' later, with reconnectPeriod and manualConnect even a reconnection).
test('v5 AUTH data without an AUTH method: \'end\', then the error with MQTT.js\' message and state, not connected afterwards', { skip, timeout: 30000 }, async () => {
  const cases = [{ reconnectPeriod: 0 }, { reconnectPeriod: 1000 }, { reconnectPeriod: 0, manualConnect: true }];
  for (const extra of cases) {
    const results = await sideBySide({ protocolVersion: 5, onConnection: acceptAll() }, async ({ mqtt, broker }) => {
      const client = mqtt.connect(broker.url, { protocolVersion: 5, properties: { authenticationData: Buffer.from('secret') }, ...extra });
      const events = [];
      const state = () => ({ connected: client.connected, disconnecting: client.disconnecting, disconnected: client.disconnected, reconnecting: client.reconnecting });
      client.on('end', () => events.push('end'));
      client.on('error', (e) => events.push({ error: e.message, ...state() }));
      if (extra.manualConnect) client.connect();
      await waitFor(() => events.length >= 2, 'the end and the error');
      await sleep(200);
      const after = { connected: client.connected, disconnecting: client.disconnecting };
      client.end(true);
      return { events: events.slice(0, 2), after };
    });
    const expected = {
      events: ['end', { error: 'Packet has no Authentication Method', connected: false, disconnecting: true, disconnected: true, reconnecting: false }],
      // As after any end(): only a client that would not reconnect by itself stops 'disconnecting'.
      after: { connected: false, disconnecting: extra.reconnectPeriod > 0 && !extra.manualConnect },
    };
    assert.deepStrictEqual(results['MQTT.js'], expected, 'MQTT.js, the reference ' + JSON.stringify(extra));
    assert.deepStrictEqual(results.mpmqtt, expected, JSON.stringify(extra));
  }
});
