'use strict';
// Secrets never reach logs, events or errors; the shipped files evaluate no strings as code.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const util = require('util');
const { skipUnless, waitFor, sleep, REPO } = require('../../reliability/harness');
const { startAedes } = require('../../support/aedes');
const { aliyunVerifier } = require('../../support/aliyun');

const skip = skipUnless();

const SECRETS = {
  password: 'pw-S3cr3t-7f4e1d',
  providerPassword: 'prov-S3cr3t-99ab0c',
  deviceSecret: 'dev-S3cr3t-0123456789abcdef0123',
};

/** Everything a verbose page could print: the log option, every event with all its arguments, console. */
function capture() {
  const out = [];
  const orig = {};
  for (const k of ['log', 'info', 'warn', 'error', 'debug']) {
    orig[k] = console[k];
    console[k] = (...a) => out.push(`console.${k} ` + a.map((x) => util.inspect(x, { depth: 6 })).join(' '));
  }
  return {
    out,
    log: (...a) => out.push('log ' + a.map((x) => (typeof x === 'string' ? x : util.inspect(x, { depth: 6 }))).join(' ')),
    watch(client, tag) {
      for (const name of ['connect', 'reconnect', 'close', 'offline', 'error', 'end', 'disconnect', 'message', 'packetsend', 'packetreceive', 'outgoingEmpty']) {
        client.on(name, (...a) => {
          // An error's message, stack and every own property, as a page's error reporter would send them.
          const shown = a.map((x) => (x instanceof Error ? util.inspect(Object.assign({ message: x.message, stack: x.stack }, x), { depth: 6 }) : util.inspect(x, { depth: 6 })));
          out.push(`${tag} ${name} ${shown.join(' ')}`);
        });
      }
    },
    restore() {
      Object.assign(console, orig);
    },
  };
}

test('a verbose session (log option, every event, refused CONNACK, credentials provider, Aliyun signing) never prints a secret', { skip, timeout: 30000 }, async (t) => {
  // The cloud build (dist/clouds/): the `aliyun` option signs in the core.
  const clouds = path.join(REPO, 'dist', 'clouds', 'mqtt.min.js');
  assert.ok(fs.existsSync(clouds), 'dist/clouds/mqtt.min.js is missing (scripts/test builds it)');
  const mqtt = require(clouds);
  const productKey = 'a1PK';
  const deviceName = 'dev1';
  const aliyunOk = aliyunVerifier({ [`${productKey}/${deviceName}`]: SECRETS.deviceSecret });
  const seenPasswords = [];
  const broker = await startAedes({
    authenticate: (client, username, password) => {
      seenPasswords.push(password);
      if (username === `${deviceName}&${productKey}`) return aliyunOk(client.id, username, password);
      return false; // every other login is refused: CONNACK 5
    },
  });
  const cap = capture();
  const clients = [];
  try {
    // 1. user/password, refused (CONNACK 5), with the log option and every event printed.
    const a = mqtt.connect(broker.url, { clientId: 'sec-a', username: 'alice', password: SECRETS.password, log: cap.log, reconnectPeriod: 100 });
    clients.push(a);
    cap.watch(a, 'a');
    // 2. the same password in the URL.
    const b = mqtt.connect(broker.url.replace('ws://', `ws://bob:${SECRETS.password}@`), { clientId: 'sec-b', log: cap.log, reconnectPeriod: 100, reconnectOnConnackError: true, maxReconnectAttempts: 2 });
    clients.push(b);
    cap.watch(b, 'b');
    // 3. a credentials provider: refused, asked once more, refused again.
    let asked = 0;
    const c = mqtt.connect(broker.url, {
      clientId: 'sec-c',
      log: cap.log,
      reconnectPeriod: 100,
      credentialsProvider: (cb) => {
        asked++;
        setTimeout(() => cb(null, { username: 'carol', password: SECRETS.providerPassword }), 5);
      },
    });
    clients.push(c);
    cap.watch(c, 'c');
    // 4. Aliyun signing from deviceSecret: accepted, then a message round trip.
    const d = mqtt.connect(broker.url, { log: cap.log, aliyun: { productKey, deviceName, deviceSecret: SECRETS.deviceSecret } });
    clients.push(d);
    cap.watch(d, 'd');
    await waitFor(() => d.connected, 5000, 'the Aliyun client connected');
    await new Promise((r) => d.subscribe(`/${productKey}/${deviceName}/user/get`, r));
    await new Promise((r) => d.publish(`/${productKey}/${deviceName}/user/get`, 'hello', { qos: 1 }, r));
    await waitFor(() => cap.out.some((l) => l.startsWith('d message')), 3000, 'the Aliyun message');
    await waitFor(() => cap.out.filter((l) => /^[abc] error/.test(l)).length >= 3, 5000, 'the refusals');
    await sleep(500);
    for (const x of clients) await new Promise((r) => x.end(true, r));
    // Errors thrown at the page for bad options must not echo secrets either.
    for (const bad of [
      { clean: false, password: SECRETS.password },
      { aliyun: { productKey, deviceSecret: SECRETS.deviceSecret } },
      { aliyun: { productKey, deviceName, deviceSecret: SECRETS.deviceSecret }, tencent: {} },
      { protocol: 'mqtts', password: SECRETS.password },
    ]) {
      try {
        const x = mqtt.connect(Object.assign({ hostname: '127.0.0.1', port: broker.port, reconnectPeriod: 0, log: cap.log }, bad));
        cap.watch(x, 'bad');
        await sleep(100);
        x.end(true);
      } catch (e) {
        cap.out.push('thrown ' + util.inspect(Object.assign({ message: e.message, stack: e.stack }, e)));
      }
    }
    const text = cap.out.join('\n');
    const leaks = Object.entries(SECRETS).filter(([, v]) => text.includes(v)).map(([k]) => k);
    t.diagnostic(JSON.stringify({ linesCaptured: cap.out.length, bytes: text.length, logLines: cap.out.filter((l) => l.startsWith('log ')).length, providerCalls: asked, refusals: cap.out.filter((l) => /^[abc] error/.test(l)).length, leaks }));
    // The test must be able to fail: the secrets really were in play.
    assert.ok(seenPasswords.includes(SECRETS.password), 'the broker was sent the password');
    assert.ok(seenPasswords.includes(SECRETS.providerPassword), "the broker was sent the provider's password");
    assert.ok(!seenPasswords.some((p) => p && p.includes(SECRETS.deviceSecret)), 'the deviceSecret itself never went on the wire');
    assert.ok(cap.out.some((l) => /Connection refused/.test(l)), 'refused CONNACKs were printed');
    assert.ok(asked >= 2, 'the provider was asked again after a refusal');
    assert.deepStrictEqual(leaks, [], 'no secret in any captured output');
  } finally {
    cap.restore();
    for (const x of clients) x.end(true);
    await broker.stop();
  }
});

test('no eval, new Function or string-compiled code in the shipped dist/*.js and dist/clouds/*.js', { skip }, () => {
  const files = [];
  for (const dir of ['dist', path.join('dist', 'clouds')]) {
    if (!fs.existsSync(path.join(REPO, dir))) continue;
    for (const f of fs.readdirSync(path.join(REPO, dir))) if (f.endsWith('.js')) files.push(path.join(dir, f));
  }
  assert.ok(files.includes(path.join('dist', 'mqtt.min.js')));
  const hits = [];
  for (const f of files) {
    const src = fs.readFileSync(path.join(REPO, f), 'utf8');
    for (const [what, re] of [
      ['eval(', /(^|[^.\w$])eval\s*\(/],
      ['new Function(', /new\s+Function\s*\(/],
      ['Function("...")', /(^|[^.\w$])Function\s*\(\s*["'`]/],
      ['setTimeout/setInterval with a string', /set(Timeout|Interval)\s*\(\s*["'`]/],
    ]) {
      if (re.test(src)) hits.push(`${f}: ${what}`);
    }
  }
  assert.deepStrictEqual(hits, []);
});
