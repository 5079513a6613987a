'use strict';
/**
 * The two seed pages, as published and unchanged, on OUR dist (mqtt.min.js + the wasm files
 * beside it, copied into the page's utils/ as a developer would) in the emulated WeChat and
 * Alipay logic layers, against aedes with the Aliyun signature check / the fake Easemob REST
 * server. The same setup as mqttjs4.test.js runs them on MQTT.js 4.2.1.
 */
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { runPage, Device } = require('../../emulation/runner');
const { startAedes } = require('../../support/aedes');
const { startEasemob } = require('../../support/easemob');
const { aliyunVerifier } = require('../../support/aliyun');
const { seedProject, originRewrite, REPO, SEED_PAGES } = require('../../support/page');

const DIST = path.join(REPO, 'dist');
const distMissing = !fs.existsSync(path.join(DIST, 'mqtt.min.js')) && 'dist/ not built (scripts/build-wasm && node scripts/bundle.js)';

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * Closes the page after its sockets. The seeds never end their client, so a socket closed by
 * page.close() makes the client schedule a reconnect; realm.dispose() (tests/emulation/realm.js)
 * only clears timers that exist when it runs, so that timer would keep the process alive.
 * Dropping the sockets first and letting their close events run lets dispose() clear it.
 */
async function shutdown(page, device) {
  device.dispose();
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  if (page) page.close();
}

/** Every file under dir (relative path -> sha256). */
function hashTree(dir, prefix = '') {
  const out = {};
  for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix + ent.name;
    if (ent.isDirectory()) Object.assign(out, hashTree(path.join(dir, ent.name), rel + '/'));
    else out[rel] = sha256(path.join(dir, ent.name));
  }
  return out;
}

/** The seed as published, its copy in the project, and every file the page can load from utils/. */
function fingerprint(root, seedFile) {
  return { seed: sha256(path.join(SEED_PAGES, seedFile)), page: sha256(path.join(root, 'pages', 'index', 'index.js')), utils: hashTree(path.join(root, 'utils')) };
}

test('seed 001 (WeChat, Aliyun HMAC-SHA1 in the page, wxs://) unchanged on our dist: signs, connects, subscribes, receives', { skip: distMissing, timeout: 20000 }, async () => {
  const b = await startAedes({ path: '/', authenticate: (c, u, p) => aliyunVerifier({ '替换/替换': '替换' })(c.id, u, p) });
  const device = new Device({ rewrite: originRewrite('wxs://productKey.iot-as-mqtt.cn-shanghai.aliyuncs.com', b.url) });
  let page;
  let root;
  let before;
  try {
    root = seedProject('seed001', DIST);
    before = fingerprint(root, 'seed001-wechat-index.js');
    assert.strictEqual(before.page, before.seed, 'the project holds the seed byte for byte');
    assert.ok(before.utils['mqtt.min.js'] && before.utils['mqtt.wasm.br'], 'our dist is what the page loads: ' + Object.keys(before.utils));
    assert.strictEqual(before.utils['mqtt.min.js'], sha256(path.join(DIST, 'wx', 'mqtt.min.js')), 'the page ships the WeChat build');
    page = await runPage(root, 'pages/index/index', { device });
    await page.waitForConsole(/连接服务器成功/, { timeout: 8000 });
    await page.waitForConsole(/订阅成功/, { timeout: 5000 });
    const auth = b.events.filter((e) => e.type === 'authenticated' || e.type === 'refused');
    assert.deepStrictEqual(auth.map((e) => e.type), ['authenticated'], 'the signature computed in the page verifies, first time');
    assert.strictEqual(auth[0].username, '替换&替换');
    assert.match(auth[0].clientId, /^[0-9a-z]+\|securemode=2,signmethod=hmacsha1,timestamp=\d+\|$/);
    assert.ok(b.events.some((e) => e.type === 'subscribe' && e.topics.includes('/productKey/deviceName/user/get')));
    assert.strictEqual(page.sockets.length, 1, 'one socket');
    assert.strictEqual(page.sockets[0].protocol, 'mqtt');
    // As MQTT.js does: wxs:// -> wss://, the host lower-cased, port 443 dropped.
    assert.match(page.sockets[0].pageUrl, /^wss:\/\/productkey\.iot-as-mqtt\.cn-shanghai\.aliyuncs\.com\/?$/);

    // The cloud publishes to the device (UTF-8, then binary-safe multi-byte text).
    const cloud = (text) => b.broker.publish({ cmd: 'publish', topic: '/productKey/deviceName/user/get', payload: Buffer.from(text), qos: 0, retain: false, dup: false }, () => {});
    cloud('来自云端');
    await page.waitForConsole(/收到消息:来自云端$/, { timeout: 5000 });
    cloud('{"temp":23.5,"单位":"℃"}');
    await page.waitForConsole(/收到消息:\{"temp":23\.5,"单位":"℃"\}$/, { timeout: 5000 });
    const received = page.console.filter((e) => /^收到消息:/.test(e.text)).map((e) => e.text);
    assert.deepStrictEqual(received, ['收到消息:来自云端', '收到消息:{"temp":23.5,"单位":"℃"}'], 'each message once, message.toString() is UTF-8');
    assert.ok(!page.console.some((e) => e.level === 'error'), 'no errors: ' + JSON.stringify(page.console.filter((e) => e.level === 'error')));
  } finally {
    await shutdown(page, device);
    await b.stop();
  }
  assert.deepStrictEqual(fingerprint(root, 'seed001-wechat-index.js'), before, 'nothing in the project changed');
});

test('seed 000 (Alipay, Easemob tokens via my.request, alis://, options.my) unchanged on our dist: connects, subscribes, publishes, receives', { skip: distMissing, timeout: 20000 }, async () => {
  const e = await startEasemob({ appId: 'ytlbe0', appClientId: 'YXA6demoClientId', appClientSecret: 'YXA6demoClientSecretForTheLocalSandbox' });
  const logins = [];
  const b = await startAedes({
    path: '/',
    authenticate: (c, u, p) => {
      const ok = e.checkMqttLogin(c.id, u, p);
      logins.push({ clientId: c.id, username: u, ok });
      return ok;
    },
  });
  const device = new Device({ rewrite: originRewrite('alis://ytlbe0.cn1.mqtt.chat', b.url), requestRewrite: { 'https://api.cn1.mqtt.chat/app/ytlbe0': e.restApiUrl } });
  let page;
  let root;
  let before;
  const toasts = () => page.ui.filter((u) => u.api === 'showToast').map((u) => u.content);
  try {
    root = seedProject('seed000', DIST);
    before = fingerprint(root, 'seed000-alipay-index.js');
    assert.strictEqual(before.page, before.seed, 'the project holds the seed byte for byte');
    assert.ok(before.utils['mqtt.min.js'] && before.utils['mqtt.wasm.js'], 'our dist is what the page loads: ' + Object.keys(before.utils));
    page = await runPage(root, 'pages/index/index', { device });
    page.call('getAppToken');
    await page.waitFor((d) => d.options.password !== '', { timeout: 5000, what: 'the user token' });
    assert.deepStrictEqual(e.requests.map((r) => r.path), ['/app/ytlbe0/openapi/rm/app/token', '/app/ytlbe0/openapi/rm/user/token']);

    page.call('connect');
    await page.waitFor(() => toasts().includes('服务器连接成功'), { timeout: 8000, what: 'the connect toast' });
    assert.deepStrictEqual(logins, [{ clientId: 'deviceId@ytlbe0', username: 'test', ok: true }], 'logged in with the Easemob user token');
    assert.strictEqual(page.sockets.length, 1);
    assert.strictEqual(page.sockets[0].protocol, 'mqtt', 'the sub-protocol went in the header Alipay honours');
    assert.match(page.sockets[0].pageUrl, /^wss:\/\/ytlbe0\.cn1\.mqtt\.chat\/?$/, 'alis:// became wss://');

    page.call('subOne');
    await page.waitFor(() => toasts().includes('订阅主题Topic0成功'), { timeout: 5000, what: 'the subscribe toast' });
    assert.ok(b.events.some((x) => x.type === 'subscribe' && x.topics.includes('Topic0')));

    page.call('pubMsg');
    await page.waitFor(() => toasts().includes('收到 topic:Topic0 , payload :hello world'), { timeout: 5000, what: 'its own message back' });
    assert.ok(b.events.some((x) => x.type === 'publish' && x.topic === 'Topic0' && x.payload.toString() === 'hello world'), 'the broker got the publish');
    // Another client's message, multi-byte.
    b.broker.publish({ cmd: 'publish', topic: 'Topic0', payload: Buffer.from('你好, 支付宝'), qos: 0, retain: false, dup: false }, () => {});
    await page.waitFor(() => toasts().includes('收到 topic:Topic0 , payload :你好, 支付宝'), { timeout: 5000, what: 'the peer message' });
    assert.strictEqual(toasts().filter((t) => t.startsWith('收到 topic:')).length, 2, 'each message once');
    // The seed's log lines (its `console.log('收到 topic:' + topic + ' , payload :' + payload)`).
    assert.ok(page.console.some((x) => x.text === '收到 topic:Topic0 , payload :hello world'));

    page.call('unSubscribe');
    await page.waitFor(() => toasts().includes('取消订阅Topic0成功'), { timeout: 5000, what: 'the unsubscribe toast' });
    assert.ok(!page.console.some((x) => x.level === 'error'), 'no errors: ' + JSON.stringify(page.console.filter((x) => x.level === 'error')));
  } finally {
    await shutdown(page, device);
    await b.stop();
    await e.stop();
  }
  assert.deepStrictEqual(fingerprint(root, 'seed000-alipay-index.js'), before, 'nothing in the project changed');
});
