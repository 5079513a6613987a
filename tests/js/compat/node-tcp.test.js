'use strict';
/**
 * Node: MQTT over TCP and TLS (mqtt://, tcp://, mqtts://, ssl://, tls://) through `net`/`tls`
 * with ca/cert/key/rejectUnauthorized, and the top-level TLS options honoured for wss:// — side
 * by side with MQTT.js 5.16 against Mosquitto (a TCP, a TLS and a WebSocket-over-TLS listener,
 * with a certificate made here by openssl).
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { startMosquitto, freePort } = require('../../support/mosquitto');
const { bundleMissing, libraries, waitFor } = require('./helpers');

function haveOpenssl() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch (_) {
    return false;
  }
}

let mosquittoMissing = false;
try {
  require('../../support/mosquitto');
  if (!fs.existsSync('/usr/sbin/mosquitto') && !fs.existsSync('/usr/bin/mosquitto')) mosquittoMissing = 'mosquitto is not installed';
} catch (e) {
  mosquittoMissing = e.message;
}
const skip = bundleMissing || mosquittoMissing || (!haveOpenssl() && 'openssl is not installed');

/** A self-signed certificate for localhost / 127.0.0.1 in a directory Mosquitto can read. */
function makeCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-tls-'));
  fs.chmodSync(dir, 0o755);
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  fs.chmodSync(key, 0o644);
  return { dir, keyFile: key, certFile: cert, cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}

/** Connects, subscribes, publishes to itself and resolves with what came back; always ends. */
async function roundTrip(mqtt, url, opts) {
  const client = mqtt.connect(url, Object.assign({ reconnectPeriod: 0, connectTimeout: 5000 }, opts));
  const errors = [];
  client.on('error', (e) => errors.push(e));
  try {
    await waitFor(() => client.connected || errors.length, 'connect to ' + url, 8000);
    if (!client.connected) return { error: errors[0] };
    const got = new Promise((resolve) => client.once('message', (t, p) => resolve(t + '=' + p.toString())));
    await new Promise((resolve, reject) => client.subscribe('tcp/t', { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    client.publish('tcp/t', 'over ' + url.split(':')[0], { qos: 1 });
    return { message: await got, protocol: client.options.protocol };
  } finally {
    client.end(true);
  }
}

test('mqtt://, tcp://, mqtts://, ssl://, tls:// against Mosquitto, as MQTT.js connects them', { skip, timeout: 60000 }, async (t) => {
  const tls = makeCertificate();
  const tlsPort = await freePort();
  const wssPort = await freePort();
  const broker = await startMosquitto({
    extraConfig: [
      `listener ${tlsPort} 127.0.0.1`, `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`,
      `listener ${wssPort} 127.0.0.1`, 'protocol websockets', `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`,
    ].join('\n'),
  });
  t.after(async () => {
    await broker.stop();
    fs.rmSync(tls.dir, { recursive: true, force: true });
  });
  const cases = [
    ['mqtt://127.0.0.1:' + broker.tcpPort, {}],
    ['tcp://127.0.0.1:' + broker.tcpPort, {}],
    ['mqtts://localhost:' + tlsPort, { ca: tls.cert }],
    ['ssl://127.0.0.1:' + tlsPort, { ca: tls.cert }],
    ['tls://localhost:' + tlsPort, { rejectUnauthorized: false }],
    ['wss://localhost:' + wssPort, { ca: tls.cert }],
  ];
  for (const [name, mqtt] of libraries()) {
    for (const [url, opts] of cases) {
      const r = await roundTrip(mqtt, url, opts);
      assert.ok(!r.error, name + ' ' + url + ': ' + (r.error && r.error.message));
      assert.strictEqual(r.message, 'tcp/t=over ' + url.split(':')[0], name + ' ' + url);
    }
    // A certificate nobody vouches for is refused, by default, over TLS and over wss.
    for (const url of ['mqtts://localhost:' + tlsPort, 'wss://localhost:' + wssPort]) {
      const r = await roundTrip(mqtt, url, {});
      assert.ok(r.error, name + ' ' + url + ' must refuse a self-signed certificate');
      assert.strictEqual(r.error.code, 'DEPTH_ZERO_SELF_SIGNED_CERT', name + ' ' + url + ': ' + r.error.message);
    }
    // No URL and no protocol ({host, port}): MQTT.js takes mqtt:// in Node.
    const r = await roundTrip(mqtt, '', { host: '127.0.0.1', port: broker.tcpPort });
    assert.ok(!r.error, name + ' {host, port}: ' + (r.error && r.error.message));
    assert.deepStrictEqual([r.message, r.protocol], ['tcp/t=over ', 'mqtt'], name + ' {host, port}');
  }
});

test('cert and key given: mqtt:// becomes mqtts:// and ws:// becomes wss://, as in MQTT.js', { skip: bundleMissing || (!haveOpenssl() && 'openssl is not installed') }, async (t) => {
  const tls = makeCertificate();
  t.after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));
  const port = await freePort(); // nothing listens: only the scheme chosen matters
  for (const [name, mqtt] of libraries()) {
    for (const [url, expected] of [['mqtt://127.0.0.1:' + port, 'mqtts'], ['ws://127.0.0.1:' + port, 'wss']]) {
      const client = mqtt.connect(url, { cert: tls.cert, key: tls.key, reconnectPeriod: 0, connectTimeout: 1000 });
      client.on('error', () => {});
      await new Promise((r) => setTimeout(r, 50));
      assert.strictEqual(client.options.protocol, expected, name + ' ' + url);
      client.end(true);
    }
    // No scheme to use the certificate with: refused with MQTT.js' message.
    assert.throws(() => mqtt.connect({ host: '127.0.0.1', port, cert: tls.cert, key: tls.key }), { message: 'Missing secure protocol key' }, name);
  }
});

test('the mini-program builds (dist/wx, dist/my) still refuse TCP URLs with the explanation', { skip: bundleMissing }, () => {
  const { BUNDLE } = require('./helpers');
  for (const build of ['wx', 'my']) {
    const file = path.join(path.dirname(BUNDLE), build, 'mqtt.min.js');
    if (!fs.existsSync(file)) continue;
    const mqtt = require(file);
    for (const scheme of ['mqtt', 'tcp', 'mqtts', 'ssl', 'tls']) {
      assert.throws(() => mqtt.connect(scheme + '://127.0.0.1:1883'), /WebSocket only/, build + ' ' + scheme);
    }
  }
});
