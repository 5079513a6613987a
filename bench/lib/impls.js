'use strict';
/**
 * The clients under test, behind one MQTT.js-shaped interface, so every benchmark drives
 * them with the same code:
 *
 *   ours     dist/mqtt.min.js (the shipped bundle; in Node it reads dist/mqtt.wasm, sockets via `ws`)
 *   mqttjs5  MQTT.js 5.16.0 (node_modules/mqtt), over ws as well
 *   raw      bench/lib/raw.js: a bare `ws` client writing pre-encoded frames (the limit)
 *   fallback the same bundle on the no-WebAssembly core (dist/mqtt.fallback.js, forceFallback):
 *            a copy of the bundle of its own, since a process loads one core per bundle
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

const LABELS = {
  ours: 'mpmqtt',
  mqttjs5: 'MQTT.js 5.16.0',
  mqttjs4: 'MQTT.js 4.2.1',
  raw: 'bare ws (limit)',
  'mqtt-packet': 'mqtt-packet 9',
  fallback: 'mpmqtt wasm2js',
  wasm: 'mpmqtt WebAssembly',
};

let fallbackModule = null;
/**
 * dist/mqtt.min.js with mqtt.fallback.js beside it and no mqtt.wasm, under build/ so that its
 * runtime require('ws') resolves to the repository's node_modules.
 */
function loadFallbackBundle() {
  if (fallbackModule) return fallbackModule;
  const src = path.join(DIST, 'mqtt.fallback.js');
  if (!fs.existsSync(src)) throw new Error('dist/mqtt.fallback.js missing: run scripts/build-fallback');
  fs.mkdirSync(path.join(ROOT, 'build'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, 'build', 'bench-fallback-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of ['mqtt.min.js', 'mqtt.fallback.js']) fs.copyFileSync(path.join(DIST, f), path.join(dir, f));
  fallbackModule = require(path.join(dir, 'mqtt.min.js'));
  return fallbackModule;
}

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
  if (impl === 'fallback') return loadFallbackBundle();
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
  const client = mqttModule(impl).connect(url, baseOptions(impl === 'fallback' ? Object.assign({ forceFallback: true }, extra) : extra));
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
