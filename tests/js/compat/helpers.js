'use strict';
/**
 * Side-by-side runs for the MQTT.js compatibility tests: the same scenario against MQTT.js
 * 5.16 (node_modules/mqtt, the reference) and our bundle, each with its own scripted broker
 * (tests/reliability/fake-broker.js) on 127.0.0.1.
 *
 * The bundle under test is dist/mqtt.min.js, or MPMQTT_BUNDLE (a path) when set.
 */
const fs = require('fs');
const path = require('path');
const { startFakeBroker } = require('../../reliability/fake-broker');

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUNDLE = process.env.MPMQTT_BUNDLE ? path.resolve(process.env.MPMQTT_BUNDLE) : path.join(REPO, 'dist', 'mqtt.min.js');
const bundleMissing = !fs.existsSync(BUNDLE) && BUNDLE + ' not built (scripts/build-wasm && node scripts/bundle.js)';

/** [name, mqtt module] for MQTT.js and for ours, MQTT.js first. */
function libraries() {
  return [
    ['MQTT.js', require('mqtt')],
    ['mpmqtt', require(BUNDLE)],
  ];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves when pred() is truthy (polled every 10 ms); rejects naming `what` after `timeout` ms. */
async function waitFor(pred, what, timeout = 5000) {
  const end = Date.now() + timeout;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(10);
  }
}

/** {clientId, username, password} of a CONNECT mqtt-packet parsed, password as a string. */
function credentialsOf(connect) {
  return {
    clientId: connect.clientId,
    username: connect.username,
    password: connect.password == null ? undefined : connect.password.toString(),
  };
}

/**
 * Runs `scenario({mqtt, broker, name})` once per library with a fresh scripted broker
 * (`brokerOptions` as startFakeBroker takes them); returns {name: result}. The scenario ends
 * its client; the broker is stopped here whatever happens.
 */
async function sideBySide(brokerOptions, scenario) {
  const results = {};
  for (const [name, mqtt] of libraries()) {
    const broker = await startFakeBroker(brokerOptions);
    try {
      results[name] = await scenario({ mqtt, broker, name });
    } finally {
      await broker.stop();
    }
  }
  return results;
}

/** A broker script: CONNACK 0 to every CONNECT, then `after(conn, index)` if given. */
function acceptAll(after) {
  return async (conn, index) => {
    await conn.next('connect');
    conn.send(conn.packet({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false }));
    if (after) after(conn, index);
  };
}

module.exports = { BUNDLE, bundleMissing, libraries, sideBySide, acceptAll, credentialsOf, waitFor, sleep };
