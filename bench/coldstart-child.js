'use strict';
/**
 * One cold start (bench/coldstart.js spawns a fresh node for each):
 *
 *   node bench/coldstart-child.js IMPL URL CLIENT_ID
 *
 * Takes a timestamp (ms since the epoch, sub-ms precision) just before requiring the client,
 * connects, and on CONNACK prints {requireAt, connectedAt} and exits. The server in the
 * parent timestamps the CONNECT frame with the same clock.
 */
const path = require('path');

const [impl, url, clientId] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();

const requireAt = now();
const mqtt = impl === 'ours' ? require(path.join(__dirname, '..', 'dist', 'mqtt.min.js')) : impl === 'mqttjs5' ? require('mqtt') : require('mqtt4');
const client = mqtt.connect(url, { clientId, reconnectPeriod: 0, keepalive: 0, protocolVersion: 4 });
client.on('connect', () => {
  process.stdout.write(JSON.stringify({ requireAt, connectedAt: now() }) + '\n');
  process.exit(0);
});
client.on('error', (err) => {
  process.stderr.write(String(err && err.message) + '\n');
  process.exit(1);
});
