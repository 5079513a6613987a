'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { WebSocketServer } = require('ws');
const { createWebSocketPlatform } = require('../../../js-glue/platform/websocket');
const { recorder, tinyWasm, tick } = require('./helpers');

function server() {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({ port: 0, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
    wss.on('listening', () => resolve(wss));
  });
}

async function until(cond, what) {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await tick(10);
  }
  throw new Error('timed out waiting for ' + what);
}

test('ws in Node: subprotocol, headers, exact binary frames both ways, close code and reason', async () => {
  const wss = await server();
  const received = [];
  let upgrade;
  wss.on('connection', (sock, req) => {
    upgrade = req;
    sock.on('message', (data, isBinary) => {
      received.push([Array.from(data), isBinary]);
      sock.send(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      sock.close(4000, 'server says bye');
    });
  });
  const platform = createWebSocketPlatform({});
  const rec = recorder();
  const transport = platform.openSocket('ws://127.0.0.1:' + wss.address().port + '/mqtt', { protocols: ['mqtt'], headers: { 'x-token': 'abc' } }, rec.on);
  await until(() => rec.kinds().includes('open'), 'open');
  assert.strictEqual(upgrade.headers['sec-websocket-protocol'], 'mqtt');
  assert.strictEqual(upgrade.headers['x-token'], 'abc');
  assert.strictEqual(upgrade.url, '/mqtt');
  const memory = new Uint8Array(4096);
  memory.set([0x10, 0x01, 0x00], 2000);
  transport.send(memory.subarray(2000, 2003));
  await until(() => rec.kinds().includes('close'), 'close');
  assert.deepStrictEqual(received, [[[0x10, 0x01, 0x00], true]]);
  assert.deepStrictEqual(rec.events, [['open'], ['message', [0x20, 0x02, 0x00, 0x00]], ['close', 4000, 'server says bye']]);
  // Handed on as a view of what ws read (past the frame header), not first copied into an
  // ArrayBuffer of its own (binaryType 'arraybuffer'), which would start at offset 0.
  wss.close();
  assert.ok(rec.raw[0].byteOffset > 0, 'the message is a view of the bytes ws read');
});

test('a refused connection reports one error then one close', async () => {
  const wss = await server();
  const port = wss.address().port;
  await new Promise((r) => wss.close(r));
  const rec = recorder();
  createWebSocketPlatform({}).openSocket('ws://127.0.0.1:' + port, {}, rec.on);
  await until(() => rec.kinds().includes('close'), 'close');
  await tick(50);
  assert.deepStrictEqual(rec.kinds(), ['error', 'close']);
});

test('client close() sends a valid close code and reports close once', async () => {
  const wss = await server();
  const closes = [];
  wss.on('connection', (sock) => sock.on('close', (code, reason) => closes.push([code, reason.toString()])));
  const rec = recorder();
  const transport = createWebSocketPlatform({}).openSocket('ws://127.0.0.1:' + wss.address().port, {}, rec.on);
  await until(() => rec.kinds().includes('open'), 'open');
  transport.close(1002, 'protocol'); // 1002 may not be sent by a client: normalised to 1000
  await until(() => rec.kinds().includes('close') && closes.length === 1, 'close');
  assert.deepStrictEqual(closes, [[1000, 'protocol']]);
  assert.deepStrictEqual(rec.kinds(), ['open', 'close']);
  wss.close();
});

test('a given WebSocket constructor is used as a browser one (binaryType arraybuffer, no headers)', async () => {
  const made = [];
  class FakeWs {
    constructor(url, protocols, extra) {
      made.push({ url, protocols, extra, self: this });
    }
    send() {}
    close() {}
  }
  const rec = recorder();
  createWebSocketPlatform({ WebSocket: FakeWs }).openSocket('wss://h/mqtt', { protocols: ['mqtt'], headers: { a: 'b' } }, rec.on);
  assert.strictEqual(made[0].url, 'wss://h/mqtt');
  assert.deepStrictEqual(made[0].protocols, ['mqtt']);
  assert.strictEqual(made[0].extra, undefined);
  const ws = made[0].self;
  assert.strictEqual(ws.binaryType, 'arraybuffer');
  ws.onopen();
  ws.onmessage({ data: new Uint8Array([1, 2]).buffer });
  ws.onclose({ code: 1005, reason: '' });
  assert.deepStrictEqual(rec.events, [['open'], ['message', [1, 2]], ['close', 1005, '']]);
});

test('Node wasm: read from wasmPath; a missing file names the path tried', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-ws-'));
  const file = path.join(dir, 'mqtt.wasm');
  fs.writeFileSync(file, tinyWasm());
  const imports = { './mpmqtt_bg.js': { ping: () => 9 } };
  assert.strictEqual((await createWebSocketPlatform({ wasmPath: file }).instantiateWasm(imports)).run(), 10);
  const missing = path.join(dir, 'nope.wasm');
  await assert.rejects(createWebSocketPlatform({ wasmPath: missing }).instantiateWasm(imports), (err) => {
    assert.ok(err.message.includes(missing + ' (ENOENT)'));
    return true;
  });
  // Unbundled, the default is mqtt.wasm beside this module, which does not exist.
  await assert.rejects(createWebSocketPlatform({}).instantiateWasm(imports), /platform[\\/]mqtt\.wasm \(ENOENT\)/);
  assert.strictEqual((await createWebSocketPlatform({ wasmBytes: tinyWasm() }).instantiateWasm(imports)).run(), 10);
  fs.rmSync(dir, { recursive: true });
});

test('request over fetch: JSON in and out, status and headers', async () => {
  const calls = [];
  const fakeFetch = (url, init) => {
    calls.push({ url, init });
    return Promise.resolve({
      status: 200,
      headers: new Map([['content-type', 'application/json']]),
      text: () => Promise.resolve('{"access_token":"t"}'),
    });
  };
  const res = await createWebSocketPlatform({ fetch: fakeFetch }).request({ url: 'https://a/token', method: 'POST', data: { u: 'x' } });
  assert.deepStrictEqual(res, { status: 200, headers: { 'content-type': 'application/json' }, data: { access_token: 't' } });
  assert.strictEqual(calls[0].init.body, '{"u":"x"}');
  assert.strictEqual(calls[0].init.headers['content-type'], 'application/json');
});

test('watchLifecycle in Node has nothing to watch and unsubscribes cleanly', () => {
  const stop = createWebSocketPlatform({}).watchLifecycle({ show() {}, hide() {}, online() {}, offline() {} });
  assert.strictEqual(typeof stop, 'function');
  stop();
  stop();
});

test('watchLifecycle in a browser: page visibility and online/offline reach the hooks until unsubscribed', () => {
  /** An EventTarget-like global that records its listeners. */
  const target = (extra) =>
    Object.assign(
      {
        listeners: {},
        addEventListener(type, fn) {
          (this.listeners[type] = this.listeners[type] || []).push(fn);
        },
        removeEventListener(type, fn) {
          this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn);
        },
        fire(type) {
          (this.listeners[type] || []).forEach((fn) => fn());
        },
      },
      extra
    );
  const doc = target({ hidden: false });
  const win = target();
  global.document = doc;
  global.window = win;
  try {
    const calls = [];
    const hook = (name) => () => calls.push(name);
    const stop = createWebSocketPlatform({}).watchLifecycle({ show: hook('show'), hide: hook('hide'), online: hook('online'), offline: hook('offline') });
    doc.hidden = true;
    doc.fire('visibilitychange');
    doc.hidden = false;
    doc.fire('visibilitychange');
    win.fire('offline');
    win.fire('online');
    assert.deepStrictEqual(calls, ['hide', 'show', 'offline', 'online']);
    stop();
    stop();
    assert.deepStrictEqual([doc.listeners.visibilitychange, win.listeners.online, win.listeners.offline], [[], [], []]);
    doc.fire('visibilitychange');
    win.fire('online');
    assert.strictEqual(calls.length, 4);
  } finally {
    delete global.document;
    delete global.window;
  }
});
