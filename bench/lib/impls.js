'use strict';
/**
 * The clients under test, behind one MQTT.js-shaped interface, so every benchmark drives
 * them with the same code:
 *
 *   ours     dist/mqtt.min.js (the shipped bundle; in Node it reads dist/mqtt.wasm, sockets via `ws`)
 *   mqttjs5  MQTT.js 5.16.0 (node_modules/mqtt), over ws as well
 *   raw      bench/lib/raw.js: a bare `ws` client writing pre-encoded frames (the limit)
 */
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

const LABELS = {
  ours: 'mpmqtt',
  mqttjs5: 'MQTT.js 5.16.0',
  mqttjs4: 'MQTT.js 4.2.1',
  raw: 'bare ws (limit)',
  'mqtt-packet': 'mqtt-packet 9',
};

let unique = 0;
/** A client id / topic segment no other trial of this run uses. */
function uniqueId(prefix) {
  unique++;
  return prefix + process.pid.toString(36) + '_' + unique.toString(36) + '_' + Date.now().toString(36);
}

/** The module whose connect() makes a client of `impl`. */
function mqttModule(impl) {
  if (impl === 'ours') return require(path.join(DIST, 'mqtt.min.js'));
  if (impl === 'mqttjs5') return require('mqtt');
  if (impl === 'mqttjs4') return require('mqtt4');
  if (impl === 'raw') return require('./raw');
  throw new Error('unknown client ' + impl);
}

/** Options both libraries read the same way: no reconnects, MQTT 3.1.1, clean session. */
function baseOptions(extra) {
  return Object.assign({ clientId: uniqueId('b'), reconnectPeriod: 0, keepalive: 60, clean: true, protocolVersion: 4, connectTimeout: 10000 }, extra);
}

/**
 * Connects and resolves once CONNACK arrived.
 * @returns {Promise<object>} the client
 */
function connectClient(impl, url, extra) {
  const client = mqttModule(impl).connect(url, baseOptions(extra));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(LABELS[impl] + ': no CONNACK within 10 s')), 10000);
    function fail(err) {
      clearTimeout(timer);
      client.removeListener('connect', ok);
      try {
        client.end(true);
      } catch (_) {
        // best effort
      }
      reject(err);
    }
    function ok() {
      clearTimeout(timer);
      client.removeListener('error', fail);
      resolve(client);
    }
    client.once('connect', ok);
    client.once('error', fail);
  });
}

function subscribe(client, topic, qos) {
  return new Promise((resolve, reject) => {
    client.subscribe(topic, { qos }, (err, granted) => {
      if (err) reject(err);
      else if (granted && granted[0] && granted[0].qos >= 0x80) reject(new Error('subscription refused'));
      else resolve();
    });
  });
}

/** Forced end; resolves when the client says it is finished (or after 2 s regardless). */
function endClient(client) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    try {
      client.end(true, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch (_) {
      clearTimeout(timer);
      resolve();
    }
  });
}

module.exports = { ROOT, DIST, LABELS, uniqueId, mqttModule, baseOptions, connectClient, subscribe, endClient };
