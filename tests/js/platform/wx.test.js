'use strict';
const test = require('node:test');
const assert = require('node:assert');
const zlib = require('zlib');
const { createWxPlatform, DEFAULT_WASM_PATHS, _budget } = require('../../../js-glue/platform/wx');
const { recorder, fakeWx, tinyWasm, tick } = require('./helpers');

function open(api, url = 'wss://broker.example/mqtt', sockOpts = { protocols: ['mqtt'] }) {
  const platform = createWxPlatform({ wx: api });
  const rec = recorder();
  const transport = platform.openSocket(url, sockOpts, rec.on);
  return { platform, rec, transport, task: api.tasks[api.tasks.length - 1] };
}

test('connectSocket gets url, protocols, header and ws options; handlers attached before return', () => {
  const api = fakeWx();
  const { task, transport } = open(api, 'wss://h/mqtt', {
    protocols: ['mqtt'],
    headers: { 'X-Token': 't' },
    wsOptions: { timeout: 5000, tcpNoDelay: true },
  });
  const req = api.connects[0];
  assert.strictEqual(req.url, 'wss://h/mqtt');
  assert.deepStrictEqual(req.protocols, ['mqtt']);
  assert.deepStrictEqual(req.header, { 'X-Token': 't' });
  assert.strictEqual(req.timeout, 5000);
  assert.strictEqual(req.tcpNoDelay, true);
  assert.deepStrictEqual(Object.keys(task.handlers).sort(), ['Close', 'Error', 'Message', 'Open']);
  transport.close();
  task.fire('Close', { code: 1000, reason: '' });
});

test('send puts exactly the given bytes in a fresh ArrayBuffer, also for a view into a larger buffer', () => {
  const api = fakeWx();
  const { task, transport, rec } = open(api);
  task.fire('Open', {});
  const memory = new Uint8Array(64 * 1024); // like wasm linear memory
  memory.set([0x30, 0x03, 0x00, 0x01, 0x61], 1000);
  transport.send(memory.subarray(1000, 1005));
  const whole = new Uint8Array([0xc0, 0x00]);
  transport.send(whole);
  assert.strictEqual(task.sent.length, 2);
  assert.ok(task.sent[0].data instanceof ArrayBuffer);
  assert.deepStrictEqual(Array.from(new Uint8Array(task.sent[0].data)), [0x30, 0x03, 0x00, 0x01, 0x61]);
  assert.strictEqual(task.sent[0].data.byteLength, 5);
  assert.deepStrictEqual(Array.from(new Uint8Array(task.sent[1].data)), [0xc0, 0x00]);
  assert.deepStrictEqual(rec.kinds(), ['open']);
  transport.close();
  task.fire('Close', { code: 1000, reason: '' });
});

test('ArrayBuffer messages arrive as bytes; close code and reason are surfaced once', () => {
  const api = fakeWx();
  const { task, rec } = open(api);
  task.fire('Open', {});
  task.fire('Message', { data: new Uint8Array([0x20, 0x02, 0x00, 0x00]).buffer });
  task.fire('Close', { code: 1000, reason: 'interrupted' });
  task.fire('Close', { code: 1006, reason: 'again' });
  task.fire('Message', { data: new ArrayBuffer(2) });
  assert.deepStrictEqual(rec.events, [
    ['open'],
    ['message', [0x20, 0x02, 0x00, 0x00]],
    ['close', 1000, 'interrupted'],
  ]);
});

test('a text frame (string data) fails the socket with a diagnosis; nothing after it is delivered', () => {
  const api = fakeWx();
  const { task, rec } = open(api);
  task.fire('Open', {});
  task.fire('Message', { data: 'é' });
  task.fire('Message', { data: new ArrayBuffer(2) });
  assert.strictEqual(task.closed.length, 1, 'the task is closed');
  task.fire('Close', { code: 1000, reason: '' });
  assert.deepStrictEqual(rec.kinds(), ['open', 'error', 'close']);
  assert.match(rec.events[1][1], /text WebSocket frame \(1 characters\).*binary frames only/);
  assert.strictEqual(rec.events[2][1], 1006);
});

test('an error is reported once, then exactly one close; the task is closed', () => {
  const api = fakeWx();
  const { task, rec } = open(api);
  task.fire('Open', {});
  task.fire('Error', { errMsg: 'socket fail' });
  task.fire('Error', { errMsg: 'socket fail again' });
  task.fire('Message', { data: new ArrayBuffer(1) });
  assert.strictEqual(task.closed.length, 1);
  task.fire('Close', { code: 1006, reason: 'abnormal' });
  assert.deepStrictEqual(rec.events, [['open'], ['error', 'WeChat socket error: socket fail'], ['close', 1006, 'abnormal']]);
});

test('after a failure, a close echoing our own 1000 is reported as 1006 with the failure', () => {
  const api = fakeWx();
  const { task, rec } = open(api);
  task.fire('Open', {});
  task.fire('Message', { data: 42 });
  assert.deepStrictEqual(task.closed, [{ code: 1000, reason: 'error' }]);
  task.fire('Close', { code: 1000, reason: 'error' });
  assert.deepStrictEqual(rec.events, [
    ['open'],
    ['error', 'unsupported socket message data: [object Number]'],
    ['close', 1006, 'unsupported socket message data: [object Number]'],
  ]);
});

test('a failed connectSocket reports error and close, after openSocket returned even when fail runs inside it', async () => {
  const api = fakeWx();
  const connect = api.connectSocket;
  api.connectSocket = (o) => {
    const task = connect(o);
    o.fail({ errMsg: 'connectSocket:fail url not in domain list' });
    return task;
  };
  const { rec } = open(api);
  assert.deepStrictEqual(rec.events, []);
  await tick();
  const msg = 'wx.connectSocket failed: connectSocket:fail url not in domain list';
  assert.deepStrictEqual(rec.events, [['error', msg], ['close', 0, msg]]);
});

test('a send failure is an error that closes the socket', () => {
  const api = fakeWx();
  const { task, transport, rec } = open(api);
  task.fire('Open', {});
  transport.send(new Uint8Array([1]));
  task.sent[0].fail({ errMsg: 'sendSocketMessage:fail' });
  task.fire('Close', { code: 1006, reason: '' });
  assert.deepStrictEqual(rec.kinds(), ['open', 'error', 'close']);
});

test('close() normalises code and reason to what SocketTask.close accepts; data stops at once', () => {
  const api = fakeWx();
  const { task, transport, rec } = open(api);
  task.fire('Open', {});
  transport.close(1002, 'x'.repeat(200));
  task.fire('Message', { data: new ArrayBuffer(3) });
  transport.send(new Uint8Array([1]));
  assert.strictEqual(task.sent.length, 0);
  assert.strictEqual(task.closed[0].code, 1000);
  assert.strictEqual(task.closed[0].reason.length, 123);
  transport.close(4000, 'bye'); // second close is ignored
  assert.strictEqual(task.closed.length, 1);
  task.fire('Close', { code: 1000, reason: 'x' });
  assert.deepStrictEqual(rec.kinds(), ['open', 'close']);
});

test('close() reports close even when the runtime never confirms it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const api = fakeWx();
  const { task, transport, rec } = open(api);
  task.fire('Open', {});
  transport.close(4001, 'done');
  t.mock.timers.tick(2999);
  assert.deepStrictEqual(rec.kinds(), ['open']);
  t.mock.timers.tick(1);
  assert.deepStrictEqual(rec.events, [['open'], ['close', 4001, 'done']]);
  task.fire('Close', { code: 1000, reason: 'late' });
  assert.strictEqual(rec.events.length, 2);
});

test('a stale socket cannot fire into the next one', () => {
  const api = fakeWx();
  const platform = createWxPlatform({ wx: api });
  const first = recorder();
  const t1 = platform.openSocket('wss://h', {}, first.on);
  api.tasks[0].fire('Open', {});
  t1.close();
  api.tasks[0].fire('Close', { code: 1000, reason: '' });
  const second = recorder();
  platform.openSocket('wss://h', {}, second.on);
  api.tasks[0].fire('Message', { data: new ArrayBuffer(1) });
  api.tasks[0].fire('Error', { errMsg: 'late' });
  api.tasks[0].fire('Close', { code: 1006, reason: 'late' });
  assert.deepStrictEqual(second.events, []);
  api.tasks[1].fire('Open', {});
  assert.deepStrictEqual(second.kinds(), ['open']);
  api.tasks[1].fire('Close', { code: 1000, reason: '' });
});

test('a sixth socket fails with a clear error; closing one frees a slot', async () => {
  const api = fakeWx();
  const platform = createWxPlatform({ wx: api });
  assert.strictEqual(_budget.inUse, 0);
  const opened = [];
  for (let i = 0; i < 5; i++) opened.push(platform.openSocket('wss://h', {}, recorder().on));
  const sixth = recorder();
  platform.openSocket('wss://h', {}, sixth.on);
  assert.strictEqual(api.connects.length, 5);
  assert.deepStrictEqual(sixth.events, []); // asynchronous, after openSocket returned
  await tick();
  assert.strictEqual(sixth.events[0][0], 'error');
  assert.match(sixth.events[0][1], /at most 5 open sockets/);
  assert.strictEqual(sixth.events[1][0], 'close');
  api.tasks[0].fire('Close', { code: 1000, reason: '' });
  const seventh = recorder();
  platform.openSocket('wss://h', {}, seventh.on);
  assert.strictEqual(api.connects.length, 6);
  for (const task of api.tasks.slice(1)) task.fire('Close', { code: 1000, reason: '' });
  assert.strictEqual(_budget.inUse, 0);
});

function fakeEngine(files, shape) {
  const calls = [];
  return {
    calls,
    instantiate(path, imports) {
      calls.push(path);
      if (typeof path !== 'string') return Promise.reject({ errMsg: 'path must be a string' });
      if (!files[path]) return Promise.reject({ errMsg: 'WXWebAssembly.instantiate:fail file not found ' + path });
      return WebAssembly.instantiate(zlib.brotliDecompressSync(files[path]), imports).then((r) => (shape === 'instance' ? r.instance : r));
    },
  };
}

const imports = { './mpmqtt_bg.js': { ping: () => 41 } };
const br = zlib.brotliCompressSync(Buffer.from(tinyWasm()));

test('WXWebAssembly: the npm-build path and the seeds\' /utils/ path work with no configuration, both result shapes', async () => {
  for (const where of ['/miniprogram_npm/mpmqtt/mqtt.wasm.br', '/utils/mqtt.wasm.br']) {
    for (const shape of ['result', 'instance']) {
      const engine = fakeEngine({ [where]: br }, shape);
      const platform = createWxPlatform({ wx: fakeWx(), WXWebAssembly: engine });
      const exports = await platform.instantiateWasm(imports);
      assert.strictEqual(exports.run(), 42);
      assert.strictEqual(engine.calls[engine.calls.length - 1], where);
    }
  }
});

test('WXWebAssembly: wasmPath is the only path tried when given', async () => {
  const engine = fakeEngine({ '/pkgs/mq/mqtt.wasm.br': br, '/utils/mqtt.wasm.br': br });
  const platform = createWxPlatform({ wx: fakeWx(), WXWebAssembly: engine, wasmPath: '/pkgs/mq/mqtt.wasm.br' });
  assert.strictEqual((await platform.instantiateWasm(imports)).run(), 42);
  assert.deepStrictEqual(engine.calls, ['/pkgs/mq/mqtt.wasm.br']);
});

test('WXWebAssembly: a missing file gives an Error naming every path tried and why', async () => {
  const engine = fakeEngine({});
  const platform = createWxPlatform({ wx: fakeWx(), WXWebAssembly: engine });
  await assert.rejects(platform.instantiateWasm(imports), (err) => {
    assert.ok(err instanceof Error);
    for (const p of DEFAULT_WASM_PATHS) assert.ok(err.message.includes(p + ' (WXWebAssembly.instantiate:fail file not found'), p);
    assert.match(err.message, /wasmPath/);
    return true;
  });
  assert.deepStrictEqual(engine.calls, DEFAULT_WASM_PATHS);
  const explicit = createWxPlatform({ wx: fakeWx(), WXWebAssembly: engine, wasmPath: '/nope.wasm.br' });
  await assert.rejects(explicit.instantiateWasm(imports), /Tried \/nope\.wasm\.br \(/);
});

test('WXWebAssembly missing: a clear error', async () => {
  const platform = createWxPlatform({ wx: fakeWx() });
  await assert.rejects(platform.instantiateWasm(imports), /WXWebAssembly is not available/);
});

test('request maps header/statusCode both ways and sends objects as JSON', async () => {
  const api = fakeWx();
  const platform = createWxPlatform({ wx: api });
  const pending = platform.request({ url: 'https://api/x', method: 'POST', headers: { Authorization: 'a' }, data: { u: 1 } });
  const req = api.requests[0];
  assert.strictEqual(req.method, 'POST');
  assert.deepStrictEqual(req.header, { Authorization: 'a', 'content-type': 'application/json' });
  assert.deepStrictEqual(req.data, { u: 1 });
  req.success({ statusCode: 201, header: { 'X-A': 'b' }, data: { ok: true } });
  assert.deepStrictEqual(await pending, { status: 201, headers: { 'X-A': 'b' }, data: { ok: true } });
  const failing = platform.request({ url: 'https://api/y' });
  api.requests[1].fail({ errMsg: 'request:fail timeout' });
  await assert.rejects(failing, /request:fail timeout/);
});

test('watchLifecycle maps show/hide/network and unsubscribes', () => {
  const api = fakeWx();
  const platform = createWxPlatform({ wx: api });
  const seen = [];
  const stop = platform.watchLifecycle({
    show: () => seen.push('show'),
    hide: () => seen.push('hide'),
    online: () => seen.push('online'),
    offline: () => seen.push('offline'),
  });
  api.emitLifecycle('AppHide', {});
  api.emitLifecycle('AppShow', {});
  api.emitLifecycle('NetworkStatusChange', { isConnected: false, networkType: 'none' });
  api.emitLifecycle('NetworkStatusChange', { isConnected: true, networkType: 'wifi' });
  stop();
  api.emitLifecycle('AppHide', {});
  assert.deepStrictEqual(seen, ['hide', 'show', 'offline', 'online']);
  for (const set of Object.values(api.lifecycleSubs)) assert.strictEqual(set.size, 0);
});

test('randomBytes gives the requested length with varying content', () => {
  const platform = createWxPlatform({ wx: fakeWx() });
  const a = platform.randomBytes(32);
  const b = platform.randomBytes(32);
  assert.strictEqual(a.length, 32);
  assert.notDeepStrictEqual(Array.from(a), Array.from(b));
});
