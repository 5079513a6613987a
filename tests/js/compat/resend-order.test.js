'use strict';
/**
 * What the broker receives, connection by connection, when a page publishes in its `connect`
 * handler and calls `end(true)` in the same turn, then `reconnect({incomingStore,
 * outgoingStore})` and publishes again in the next `connect` handler (MQTT.js' own test
 * "should keep message order", issue #21), side by side with MQTT.js 5.16 on a scripted broker.
 *
 * MQTT.js' `end(true)` destroys its stream before anything written in that turn leaves (its
 * writes are corked until the next tick), so the first connection carries no PUBLISH and the
 * kept messages reach the broker once, on the next connection, ahead of the new one.
 * Swept: 1, 2 and 5 kept messages; QoS 1 and 2; the new message published in the connect
 * handler or a moment later. With the page's stores (MQTT.js' test) side by side; without
 * (`connect()` and `reconnect()` given none) ours alone: MQTT.js 5.16 never gets there (its
 * reconnect() then blocks the event loop).
 */
const test = require('node:test');
const assert = require('node:assert');
const { bundleMissing, libraries, sideBySide, waitFor, sleep } = require('./helpers');
const { startFakeBroker } = require('../../reliability/fake-broker');

const skip = bundleMissing;

/** CONNACK to every CONNECT; every PUBLISH acknowledged (PUBACK, or PUBREC then PUBCOMP). */
async function acknowledgingBroker(conn) {
  await conn.next('connect');
  conn.send(conn.packet({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false }));
  const answer = () => {
    for (const p of conn.received) {
      if (p.answered) continue;
      p.answered = true;
      if (p.cmd === 'publish' && p.qos === 1) conn.send(conn.packet({ cmd: 'puback', messageId: p.messageId }));
      if (p.cmd === 'publish' && p.qos === 2) conn.send(conn.packet({ cmd: 'pubrec', messageId: p.messageId }));
      if (p.cmd === 'pubrel') conn.send(conn.packet({ cmd: 'pubcomp', messageId: p.messageId }));
    }
  };
  answer();
  conn.ws.on('message', () => setImmediate(answer));
}

/** `scenario` against our bundle alone, with a fresh scripted broker: {mpmqtt: result}. */
async function oursAlone(scenario) {
  const [, [, mqtt]] = libraries();
  const broker = await startFakeBroker({ onConnection: acknowledgingBroker });
  try {
    return { mpmqtt: await scenario({ mqtt, broker }) };
  } finally {
    await broker.stop();
  }
}

/** The scenario of MQTT.js' test, generalised: `kept` messages, then one new. */
async function keepOrder({ mqtt, broker }, { kept, qos, giveStores, publishLater }) {
  const incomingStore = new mqtt.Store({ clean: false });
  const outgoingStore = new mqtt.Store({ clean: false });
  const storeOpts = giveStores ? { incomingStore, outgoingStore } : {};
  let reconnected = false;
  const callbacks = [];
  const client = mqtt.connect(broker.url, { clean: false, clientId: 'keep-order', reconnectPeriod: 0, ...storeOpts });
  client.on('error', () => {});
  const publishNew = () => client.publish('topic', 'new', { qos }, (err) => callbacks.push(['new', err ? err.message : 'ok']));
  client.on('connect', () => {
    if (!reconnected) {
      for (let i = 1; i <= kept; i++) client.publish('topic', 'payload' + i, { qos }, (err) => callbacks.push(['payload' + i, err ? err.message : 'ok']));
      client.end(true);
    } else if (publishLater) {
      setTimeout(publishNew, 20);
    } else {
      publishNew();
    }
  });
  client.on('close', () => {
    if (!reconnected) {
      reconnected = true;
      client.reconnect(storeOpts);
    }
  });
  const publishes = (c) => c.received.filter((p) => p.cmd === 'publish');
  await waitFor(() => broker.connections.length === 2 && publishes(broker.connections[1]).some((p) => String(p.payload) === 'new'), 'the new message on the second connection');
  await waitFor(() => callbacks.some((c) => c[0] === 'new'), 'the new message\'s callback');
  await sleep(50);
  await client.endAsync();
  return {
    perConnection: broker.connections.map((c) => publishes(c).map((p) => String(p.payload))),
    ids: new Set(publishes(broker.connections[1]).map((p) => p.messageId)).size,
    callbacks: callbacks.map((c) => c.join(' ')).sort(),
  };
}

for (const qos of [1, 2]) {
  for (const kept of [1, 2, 5]) {
    for (const giveStores of [true, false]) {
      for (const publishLater of [false, true]) {
        const name = `end(true) in the connect handler, reconnect(${giveStores ? '{stores}' : ''}): ${kept} kept QoS ${qos} message(s) reach the broker once, before the one published ${publishLater ? 'after' : 'in'} the next connect handler`;
        test(name, { skip, timeout: 20000 }, async () => {
          const results = giveStores
            ? await sideBySide({ onConnection: acknowledgingBroker }, (run) => keepOrder(run, { kept, qos, giveStores, publishLater }))
            : await oursAlone((run) => keepOrder(run, { kept, qos, giveStores, publishLater }));
          if (giveStores) assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
          // The shape itself: nothing on the first connection, the kept ones first, in order.
          const expected = Array.from({ length: kept }, (_, i) => 'payload' + (i + 1));
          assert.deepStrictEqual(results.mpmqtt.perConnection, [[], [...expected, 'new']]);
          assert.strictEqual(results.mpmqtt.ids, kept + 1);
          assert.deepStrictEqual(results.mpmqtt.callbacks, [...expected, 'new'].map((p) => p + ' ok').sort());
        });
      }
    }
  }
}
