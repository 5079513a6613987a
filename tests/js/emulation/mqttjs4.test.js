'use strict';
/**
 * MQTT.js 4.2.1's browserify bundle is the last release that works in a WeChat-like runtime:
 * running it (and the seed / example pages on it) in the emulators against real brokers checks
 * the emulators' fidelity before our own dist exists. Note: its wx transport sends
 * `chunk.buffer` (the whole backing ArrayBuffer, MQTT.js PR #1506); in this bundle every
 * chunk owns its buffer, so the bytes happen to be right.
 */
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { runPage, Device } = require('../../emulation/runner');
const { startAedes } = require('../../support/aedes');
const { startMosquitto } = require('../../support/mosquitto');
const { aliyunVerifier } = require('../../support/aliyun');
const { seedProject, originRewrite, installDist, MQTTJS4_DIST } = require('../../support/page');
const { tempProject } = require('./helpers');

const ROUNDTRIP_PAGE = `const mqtt = require('../../utils/mqtt.min.js')
Page({
  data: { state: 'idle' },
  onLoad() {
    const c = mqtt.connect('wxs://broker.example.com/mqtt', { clientId: 'emu-' + Math.random().toString(16).slice(2) })
    this.c = c
    c.on('connect', () => c.subscribe('emu/t', { qos: 1 }, () => c.publish('emu/t', 'héllo', { qos: 1 })))
    c.on('message', (t, m) => { this.setData({ state: 'got', text: m.toString() }); c.end(true) })
  },
})`;

async function roundTrip(wsUrl) {
  const root = tempProject({ 'project.config.json': '{}', 'pages/index/index.js': ROUNDTRIP_PAGE });
  installDist(MQTTJS4_DIST, root);
  const page = await runPage(root, 'pages/index/index', { rewrite: { 'wss://broker.example.com/mqtt': wsUrl } });
  try {
    await page.waitFor((d) => d.state === 'got', { timeout: 5000 });
    assert.strictEqual(page.data.text, 'héllo');
    assert.strictEqual(page.sockets[0].protocol, 'mqtt');
    assert.ok(page.sockets[0].sent.every((f) => f.binary), 'MQTT bytes go as binary frames');
  } finally {
    page.close();
  }
}

test('MQTT.js 4.2.1 in the wx emulator: round trip through aedes', async () => {
  const b = await startAedes();
  try {
    await roundTrip(b.url);
  } finally {
    await b.stop();
  }
});

test('MQTT.js 4.2.1 in the wx emulator: round trip through mosquitto', async () => {
  const m = await startMosquitto();
  try {
    await roundTrip(m.wsUrl + '/mqtt');
  } finally {
    await m.stop();
  }
});

test('seed 001 page, unchanged, on MQTT.js 4.2.1: signs, connects and subscribes', async () => {
  const b = await startAedes({ path: '/', authenticate: (c, u, p) => aliyunVerifier({ '替换/替换': '替换' })(c.id, u, p) });
  const root = seedProject('seed001', MQTTJS4_DIST);
  const page = await runPage(root, 'pages/index/index', { rewrite: originRewrite('wxs://productKey.iot-as-mqtt.cn-shanghai.aliyuncs.com', b.url) });
  try {
    await page.waitForConsole(/订阅成功/, { timeout: 5000 });
    assert.ok(b.events.some((e) => e.type === 'authenticated'));
    assert.ok(b.events.some((e) => e.type === 'subscribe' && e.topics.includes('/productKey/deviceName/user/get')));
    b.broker.publish({ topic: '/productKey/deviceName/user/get', payload: Buffer.from('来自云端'), qos: 0, retain: false, cmd: 'publish', dup: false }, () => {});
    await page.waitForConsole(/收到消息:来自云端/, { timeout: 5000 });
  } finally {
    page.close();
    await b.stop();
  }
});

test('seed 000 page on MQTT.js 4.2.1 (Alipay): tokens work, the socket fails with error 8 as MQTT.js issues #1057/#1156 report', async () => {
  const { startEasemob } = require('../../support/easemob');
  const e = await startEasemob({ appId: 'ytlbe0', appClientId: 'YXA6demoClientId', appClientSecret: 'YXA6demoClientSecretForTheLocalSandbox' });
  const b = await startAedes({ path: '/' });
  const root = seedProject('seed000', MQTTJS4_DIST);
  const device = new Device({ rewrite: originRewrite('alis://ytlbe0.cn1.mqtt.chat', b.url), requestRewrite: { 'https://api.cn1.mqtt.chat/app/ytlbe0': e.restApiUrl } });
  const errors = [];
  device.on('socket-error', (s, msg) => errors.push(msg));
  const page = await runPage(root, 'pages/index/index', { device });
  try {
    page.call('getAppToken');
    await page.waitFor((d) => d.options.password !== '', { timeout: 5000 });
    assert.ok(e.checkMqttLogin('deviceId@ytlbe0', 'test', page.data.options.password));
    page.call('connect');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepStrictEqual(errors, ['connectSocket error 8: please specify Sec-WebSocket-Protocol in header']);
  } finally {
    page.close();
    device.dispose();
    await b.stop();
    await e.stop();
  }
});

test('WeChat example page on MQTT.js 4.2.1: signed connect, subscribe, publish, receive', async () => {
  const d = require(path.join(__dirname, '../../../example-miniapp/wechat/config.js'));
  const b = await startAedes({ path: '/', authenticate: (c, u, p) => aliyunVerifier({ [`${d.device.productKey}/${d.device.deviceName}`]: d.device.deviceSecret })(c.id, u, p) });
  const root = tempProject({});
  require('fs').cpSync(path.join(__dirname, '../../../example-miniapp/wechat'), root, { recursive: true });
  installDist(MQTTJS4_DIST, root);
  const page = await runPage(root, 'pages/index/index', { rewrite: originRewrite(d.brokerUrl, b.url) });
  try {
    await page.waitFor((x) => x.subscribed, { timeout: 5000 });
    page.tap('publish');
    await page.waitFor((x) => x.messages.length === 1, { timeout: 5000 });
    assert.deepStrictEqual({ ...page.data.messages[0] }, { topic: d.topic, text: d.message });
  } finally {
    page.close();
    await b.stop();
  }
});
