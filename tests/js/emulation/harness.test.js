'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const mqtt = require('mqtt');
const WebSocket = require('ws');
const { startMosquitto } = require('../../support/mosquitto');
const { startAedes } = require('../../support/aedes');
const { startEasemob } = require('../../support/easemob');
const { aliyunVerifier } = require('../../support/aliyun');
const { waitUntil } = require('./helpers');

/** Running = exists and is not a zombie awaiting its (foreign) parent. */
function running(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (e) {
    return false;
  }
}

function mqttSession(url, clientId, opts = {}) {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, Object.assign({ clientId, clean: false, reconnectPeriod: 0, connectTimeout: 3000 }, opts));
    c.once('connect', (connack) => resolve({ c, connack }));
    c.once('error', reject);
  });
}

test('mosquitto: ws + tcp listeners on loopback, persistence across restart, kill loses it, stop leaves nothing', async () => {
  const m = await startMosquitto({ persistence: true });
  const pids = [m.pid];
  try {
    assert.match(m.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
    // a client over WebSocket (sub-protocol mqtt) and one over TCP talk to each other
    const ws = await mqttSession(m.wsUrl, 'ws-peer', { clean: true });
    const tcp = await mqttSession(`mqtt://127.0.0.1:${m.tcpPort}`, 'tcp-peer', { clean: true });
    await new Promise((r) => ws.c.subscribe('x/y', { qos: 1 }, r));
    const got = new Promise((r) => ws.c.once('message', (t, p) => r(p.toString())));
    tcp.c.publish('x/y', 'over tcp', { qos: 1 });
    assert.strictEqual(await got, 'over tcp');
    ws.c.end(true);
    tcp.c.end(true);

    const s1 = await mqttSession(`mqtt://127.0.0.1:${m.tcpPort}`, 'persist-1');
    assert.strictEqual(s1.connack.sessionPresent, false);
    await new Promise((r) => s1.c.subscribe('p/t', { qos: 1 }, r));
    await new Promise((r) => s1.c.end(r));
    await m.restart();
    pids.push(m.pid);
    assert.notStrictEqual(pids[0], pids[1]);
    assert.ok(!running(pids[0]));
    const s2 = await mqttSession(`mqtt://127.0.0.1:${m.tcpPort}`, 'persist-1');
    assert.strictEqual(s2.connack.sessionPresent, true, 'session saved on SIGTERM and restored');
    await new Promise((r) => s2.c.end(r));
    // SIGKILL: the database is not written, but the earlier save is still on disk
    const s3 = await mqttSession(`mqtt://127.0.0.1:${m.tcpPort}`, 'persist-2');
    await new Promise((r) => s3.c.end(r));
    await m.kill();
    assert.ok(!running(pids[1]));
    await m.restart();
    pids.push(m.pid);
    const s4 = await mqttSession(`mqtt://127.0.0.1:${m.tcpPort}`, 'persist-2');
    assert.strictEqual(s4.connack.sessionPresent, false, 'a killed broker saved nothing new');
    await new Promise((r) => s4.c.end(r));
  } finally {
    await m.stop();
  }
  for (const pid of pids) assert.ok(!running(pid), `mosquitto ${pid} still running`);
  assert.ok(!fs.existsSync(m.dir), 'temp dir removed');
});

test('mosquitto: a test process that dies (SIGKILL) leaves no broker behind', async () => {
  const script = `const { startMosquitto } = require(${JSON.stringify(path.resolve(__dirname, '../../support/mosquitto.js'))});
    startMosquitto().then((m) => { process.stdout.write(m.pid + ' ' + m.dir + '\\n'); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(d.toString().trim())));
  const [pid, dir] = line.split(' ');
  assert.ok(running(Number(pid)));
  child.kill('SIGKILL');
  await waitUntil(() => !running(Number(pid)), 5000);
  await waitUntil(() => !fs.existsSync(dir), 5000);
});

test('mosquitto: a config error is reported, not hung on', async () => {
  await assert.rejects(startMosquitto({ extraConfig: 'no_such_option 1', startTimeout: 5000 }), /mosquitto exited at start/);
});

test('aedes: requires the mqtt sub-protocol and its path, authenticate decides CONNACK', async () => {
  const b = await startAedes({ authenticate: (client, username, password) => username === 'u' && password === 'p' });
  try {
    const refused = await new Promise((resolve) => {
      const ws = new WebSocket(b.url);
      ws.on('error', (e) => resolve(e.message));
      ws.on('open', () => resolve('opened'));
    });
    assert.match(refused, /400/);
    const wrongPath = await new Promise((resolve) => {
      const ws = new WebSocket(b.url.replace('/mqtt', '/other'), ['mqtt']);
      ws.on('error', (e) => resolve(e.message));
      ws.on('open', () => resolve('opened'));
    });
    assert.match(wrongPath, /404/);
    const bad = mqtt.connect(b.url, { username: 'u', password: 'wrong', reconnectPeriod: 0 });
    const err = await new Promise((r) => bad.once('error', r));
    assert.match(err.message, /Not authorized/i);
    bad.end(true);
    const good = mqtt.connect(b.url, { username: 'u', password: 'p', reconnectPeriod: 0 });
    await new Promise((r, j) => {
      good.once('connect', r);
      good.once('error', j);
    });
    await new Promise((r) => good.end(r));
    assert.deepStrictEqual(b.events.filter((e) => e.type === 'refused' || e.type === 'authenticated').map((e) => e.type), ['refused', 'authenticated']);
  } finally {
    await b.stop();
  }
  await assert.rejects(new Promise((resolve, reject) => {
    const ws = new WebSocket(b.url, ['mqtt']);
    ws.on('open', resolve);
    ws.on('error', reject);
  }), /ECONNREFUSED/);
});

test('fake Easemob: app token, then user token that checkMqttLogin accepts for its client id only', async () => {
  const e = await startEasemob({ appId: 'app1', appClientId: 'cid', appClientSecret: 'sec' });
  const post = async (p, body, headers = {}) => {
    const r = await fetch(e.restApiUrl + p, { method: 'POST', headers: Object.assign({ 'content-type': 'application/json' }, headers), body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
  try {
    assert.strictEqual((await post('/openapi/rm/app/token', { appClientId: 'cid', appClientSecret: 'nope' })).status, 401);
    const app = await post('/openapi/rm/app/token', { appClientId: 'cid', appClientSecret: 'sec' });
    assert.strictEqual(app.status, 200);
    const appToken = app.body.body.access_token;
    assert.strictEqual((await post('/openapi/rm/user/token', { username: 'u' }, { Authorization: 'forged' })).status, 401);
    const user = await post('/openapi/rm/user/token', { username: 'u', expires_in: 60, cid: 'dev@app1' }, { Authorization: appToken });
    const token = user.body.body.access_token;
    assert.strictEqual(e.checkMqttLogin('dev@app1', 'u', token), true);
    assert.strictEqual(e.checkMqttLogin('other@app1', 'u', token), false);
    assert.strictEqual(e.checkMqttLogin('dev@app1', 'v', token), false);
    assert.strictEqual(e.checkMqttLogin('dev@app1', 'u', appToken), false);
  } finally {
    await e.stop();
  }
});

test('aliyun verifier: official vector, other sign methods, tampering', () => {
  const v = aliyunVerifier({ 'pk/device': 'secret' });
  const id = '12345|securemode=3,signmethod=hmacsha1,timestamp=789|';
  assert.strictEqual(v(id, 'device&pk', 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14'), true);
  assert.strictEqual(v(id, 'device&pk', 'fafd82a3d602b37fb0fa8b7892f24a477f851a14'), true);
  assert.strictEqual(v(id.replace('hmacsha1', 'hmacsha256'), 'device&pk', '6074A46A91B1EBB2CC4EA42790AD0E80202C9843859FC292E57C4EB19FAD9E57'), true);
  assert.strictEqual(v(id.replace('hmacsha1', 'hmacmd5'), 'device&pk', '14B198324FE55E1D3C88F2E705E201EE'), true);
  assert.strictEqual(v(id.replace('789', '790'), 'device&pk', 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14'), false);
  assert.strictEqual(v(id, 'other&pk', 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14'), false);
  assert.strictEqual(v('12345', 'device&pk', 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14'), false);
  const c = aliyunVerifier({ 'a1X2bEnP82z/example1': 'ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe' });
  assert.strictEqual(c('a1X2bEnP82z.example1|securemode=2,signmethod=hmacsha256,timestamp=2524608000000|', 'example1&a1X2bEnP82z',
    'b8ce8f1d706dd3c61d13bfd9855def7e321b785084ca9c93f0169a2b46785dd2'), true);
});
