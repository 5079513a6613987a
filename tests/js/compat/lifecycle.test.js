'use strict';
/**
 * end() and connecting again, as MQTT.js 5.16 does it (issue #21): `connect()` after `end()`
 * connects again (manualConnect pages do this) without a 'reconnect' event, `disconnecting` is
 * false again once end() completed when the client would not reconnect by itself
 * (manualConnect, reconnectPeriod 0) and stays true otherwise, and `reconnect(opts)` takes
 * MQTT.js' {incomingStore, outgoingStore}. Side by side with MQTT.js on a scripted broker.
 */
const test = require('node:test');
const assert = require('node:assert');
const { bundleMissing, sideBySide, acceptAll, waitFor, sleep } = require('./helpers');

const skip = bundleMissing;

function record(client) {
  const events = [];
  for (const name of ['connect', 'reconnect', 'close', 'offline', 'end']) client.on(name, () => events.push(name));
  client.on('error', (e) => events.push('error ' + e.message));
  return events;
}

test('manualConnect: connect(), endAsync(), connect() again: a second connection, no reconnect event, disconnecting false after end', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ onConnection: acceptAll() }, async ({ mqtt, broker }) => {
    const client = mqtt.connect(broker.url, { manualConnect: true });
    const events = record(client);
    const states = [];
    await sleep(50);
    states.push(['before connect()', broker.connections.length]);
    client.connect();
    await waitFor(() => client.connected, 'first connect');
    const ending = client.endAsync();
    states.push(['ending', client.disconnecting]);
    await ending;
    states.push(['ended', client.disconnecting, client.disconnected, client.connected]);
    client.connect();
    await waitFor(() => client.connected, 'second connect');
    states.push(['connected again', client.disconnecting, client.disconnected, broker.connections.length]);
    await client.endAsync();
    return { states, events };
  });
  const expected = {
    states: [['before connect()', 0], ['ending', true], ['ended', false, true, false], ['connected again', false, false, 2]],
    events: ['connect', 'close', 'end', 'connect', 'close', 'end'],
  };
  assert.deepStrictEqual(results['MQTT.js'], expected, 'MQTT.js, the reference');
  assert.deepStrictEqual(results.mpmqtt, expected);
});

test('disconnecting after end() completes: false with reconnectPeriod 0 or manualConnect, true otherwise; true inside the end callback', { skip, timeout: 30000 }, async () => {
  const cases = [{}, { reconnectPeriod: 0 }, { manualConnect: true }, { reconnectPeriod: 0, manualConnect: true }, { reconnectPeriod: 200 }];
  const results = await sideBySide({ onConnection: acceptAll() }, async ({ mqtt, broker }) => {
    const out = [];
    for (const opts of cases) {
      const client = mqtt.connect(broker.url, opts);
      client.on('error', () => {});
      if (opts.manualConnect) client.connect();
      await waitFor(() => client.connected, 'connect');
      let inCallback;
      await new Promise((resolve) => client.end(() => { inCallback = client.disconnecting; resolve(); }));
      await sleep(20);
      out.push([JSON.stringify(opts), inCallback, client.disconnecting]);
    }
    return out;
  });
  const expected = cases.map((o) => [JSON.stringify(o), true, !(o.reconnectPeriod === 0 || o.manualConnect)]);
  assert.deepStrictEqual(results['MQTT.js'], expected, 'MQTT.js, the reference');
  assert.deepStrictEqual(results.mpmqtt, expected);
});

test('connect() after end() without manualConnect connects again too; reconnect({incomingStore, outgoingStore}) after end() as well', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ onConnection: acceptAll() }, async ({ mqtt, broker }) => {
    const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    const events = record(client);
    await waitFor(() => client.connected, 'connect');
    await client.endAsync();
    client.connect();
    await waitFor(() => client.connected, 'connect after end');
    await client.endAsync();
    client.reconnect({ incomingStore: new mqtt.Store(), outgoingStore: new mqtt.Store() });
    await waitFor(() => client.connected, 'reconnect(opts) after end');
    await client.endAsync();
    return { connections: broker.connections.length, events };
  });
  const expected = { connections: 3, events: ['connect', 'close', 'end', 'connect', 'close', 'end', 'reconnect', 'connect', 'close', 'end'] };
  assert.deepStrictEqual(results['MQTT.js'], expected, 'MQTT.js, the reference');
  assert.deepStrictEqual(results.mpmqtt, expected);
});

test('an end() callback that throws is an uncaught exception, as in MQTT.js (not an unhandled rejection); a second end() is answered at once', { skip, timeout: 20000 }, () => {
  const { execFileSync } = require('child_process');
  const { BUNDLE } = require('./helpers');
  const script = `
    const seen = [];
    process.on('uncaughtException', (e) => { seen.push('uncaughtException: ' + e.message); });
    process.on('unhandledRejection', (e) => { seen.push('unhandledRejection: ' + e.message); });
    const mqtt = require(process.argv[1]);
    const client = mqtt.connect('ws://127.0.0.1:1', { reconnectPeriod: 0 });
    client.on('error', () => {});
    client.end(() => { seen.push('first'); throw new Error('from the callback'); });
    client.end(() => seen.push('second'));
    seen.push('returned');
    setTimeout(() => { console.log(JSON.stringify(seen)); process.exit(0); }, 300);
  `;
  const run = (file) => JSON.parse(execFileSync(process.execPath, ['-e', script, file], { timeout: 10000 }).toString());
  const ours = run(BUNDLE);
  const theirs = run(require.resolve('mqtt'));
  assert.deepStrictEqual(ours, theirs);
  assert.ok(ours.includes('uncaughtException: from the callback'), JSON.stringify(ours));
});
