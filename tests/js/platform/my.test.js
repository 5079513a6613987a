'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { createMyPlatform, messageBytes, _budget } = require('../../../js-glue/platform/my');
const { recorder, fakeMy, tinyWasm, tick } = require('./helpers');

const b64 = (arr) => Buffer.from(arr).toString('base64');

/** An open SocketTask of a fresh platform, with a recorder of what the core would get. */
function openTask() {
  const api = fakeMy();
  const rec = recorder();
  createMyPlatform({ my: api }).openSocket('wss://h', {}, rec.on);
  const task = api.tasks[0];
  task.fire('Open', {});
  return { task, rec };
}

test('SocketTask form: multiple, protocols and the explicit Sec-WebSocket-Protocol header', () => {
  const api = fakeMy();
  const platform = createMyPlatform({ my: api });
  const rec = recorder();
  platform.openSocket('wss://h/mqtt', { protocols: ['mqtt'], headers: { 'X-A': '1' } }, rec.on);
  const req = api.connects[0];
  assert.strictEqual(req.url, 'wss://h/mqtt');
  assert.strictEqual(req.multiple, true);
  assert.deepStrictEqual(req.protocols, ['mqtt']);
  assert.deepStrictEqual(req.header, { 'Sec-WebSocket-Protocol': 'mqtt', 'X-A': '1' });
  assert.deepStrictEqual(Object.keys(api.tasks[0].handlers).sort(), ['Close', 'Error', 'Message', 'Open']);
  api.tasks[0].fire('Close', { code: 1000, reason: '' });
});

test('SocketTask form: sends base64 with isBuffer, exact bytes of a view', () => {
  const api = fakeMy();
  const platform = createMyPlatform({ my: api });
  const t = platform.openSocket('wss://h', {}, recorder().on);
  const task = api.tasks[0];
  task.fire('Open', {});
  const memory = new Uint8Array(1024);
  memory.set([0x10, 0x02, 0xaa, 0xbb], 100);
  t.send(memory.subarray(100, 104));
  assert.deepStrictEqual(task.sent.map((s) => [s.data, s.isBuffer]), [[b64([0x10, 0x02, 0xaa, 0xbb]), true]]);
  task.fire('Close', { code: 1000, reason: '' });
});

test('incoming messages in both shapes and as an ArrayBuffer', () => {
  const { task, rec } = openTask();
  task.fire('Message', { data: { data: b64([0x20, 0x02, 0x00, 0x00]), isBuffer: true } }); // nested
  task.fire('Message', { data: b64([0xd0, 0x00]), isBuffer: true }); // flat
  task.fire('Message', { data: new Uint8Array([0x90, 0x03]).buffer });
  task.fire('Close', { code: 1000, reason: 'bye' });
  assert.deepStrictEqual(rec.events, [
    ['open'],
    ['message', [0x20, 0x02, 0x00, 0x00]],
    ['message', [0xd0, 0x00]],
    ['message', [0x90, 0x03]],
    ['close', 1000, 'bye'],
  ]);
});

test('a text frame (isBuffer false) fails the socket with a diagnosis, its bytes never reach the core', () => {
  const { task, rec } = openTask();
  task.fire('Message', { data: { data: 'AB', isBuffer: false } });
  task.fire('Message', { data: new Uint8Array([0x90, 0x03]).buffer }); // after the failure: dropped
  task.fire('Close', { code: 1000, reason: '' });
  assert.deepStrictEqual(rec.kinds(), ['open', 'error', 'close']);
  assert.match(rec.events[1][1], /text WebSocket frame \(2 characters\).*binary frames only/);
  assert.strictEqual(rec.events[2][1], 1006, 'closed as a failure, not a normal close');
});

test('messageBytes rejects data it cannot read', () => {
  assert.throws(() => messageBytes({ data: 12 }), /unsupported socket message data/);
  assert.throws(() => messageBytes({ data: '@@', isBuffer: true }), /base64/);
});

test('a bad base64 message is an error that closes the socket', () => {
  const api = fakeMy();
  const rec = recorder();
  createMyPlatform({ my: api }).openSocket('wss://h', {}, rec.on);
  const task = api.tasks[0];
  task.fire('Open', {});
  task.fire('Message', { data: '***', isBuffer: true });
  assert.strictEqual(task.closed.length, 1);
  task.fire('Close', { code: 1006, reason: '' });
  assert.deepStrictEqual(rec.kinds(), ['open', 'error', 'close']);
});

test('Alipay error codes get their known cause in the message', async () => {
  const api = fakeMy();
  const rec = recorder();
  createMyPlatform({ my: api }).openSocket('ws://h', {}, rec.on);
  api.connects[0].fail({ error: 20, errorMessage: 'invalid url' });
  await tick();
  assert.strictEqual(rec.events[0][0], 'error');
  assert.match(rec.events[0][1], /error 20: invalid url \(Alipay requires a wss:\/\/ URL\)/);
  assert.strictEqual(rec.events[1][0], 'close');
});

test('legacy single-socket API when connectSocket returns no task', () => {
  const api = fakeMy({ legacy: true });
  const platform = createMyPlatform({ my: api });
  const rec = recorder();
  const t = platform.openSocket('wss://h', {}, rec.on);
  api.fireLegacy('Open', {});
  t.send(new Uint8Array([0xc0, 0x00]));
  assert.deepStrictEqual(api.sentLegacy.map((s) => [s.data, s.isBuffer]), [[b64([0xc0, 0x00]), true]]);
  api.fireLegacy('Message', { data: b64([0xd0, 0x00]), isBuffer: true });
  api.fireLegacy('Message', { data: { data: b64([0x20, 0x02, 0x00, 0x00]), isBuffer: true } });
  t.close();
  assert.strictEqual(api.closeSocketCalls, 1);
  api.fireLegacy('Close', {});
  assert.deepStrictEqual(rec.events, [['open'], ['message', [0xd0, 0x00]], ['message', [0x20, 0x02, 0x00, 0x00]], ['close', 0, '']]);
  // handlers were removed, and the next socket's handlers do not see the old one's events
  for (const set of Object.values(api.legacyHandlers)) assert.strictEqual(set.size, 0);
});

test('legacy: only one socket at a time, and the API is free again after close', async () => {
  const api = fakeMy({ legacy: true });
  const platform = createMyPlatform({ my: api });
  const first = recorder();
  platform.openSocket('wss://h', {}, first.on);
  const second = recorder();
  platform.openSocket('wss://h', {}, second.on);
  await tick();
  assert.strictEqual(api.connects.length, 1);
  assert.strictEqual(second.events[0][0], 'error');
  assert.match(second.events[0][1], /single-socket API is in use/);
  api.fireLegacy('Error', { error: 3, errorMessage: 'boom' });
  assert.strictEqual(api.closeSocketCalls, 1);
  api.fireLegacy('Close', {});
  assert.deepStrictEqual(first.kinds(), ['error', 'close']);
  const third = recorder();
  platform.openSocket('wss://h', {}, third.on);
  assert.strictEqual(api.connects.length, 2);
  api.fireLegacy('Open', {});
  assert.deepStrictEqual(third.kinds(), ['open']);
  assert.deepStrictEqual(first.kinds(), ['error', 'close']);
  api.fireLegacy('Close', {});
});

test('legacy: a close the runtime never confirms still frees the API', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const api = fakeMy({ legacy: true });
  const platform = createMyPlatform({ my: api });
  const rec = recorder();
  const tr = platform.openSocket('wss://h', {}, rec.on);
  api.fireLegacy('Open', {});
  tr.close(1000, 'bye');
  t.mock.timers.tick(3000);
  assert.deepStrictEqual(rec.events, [['open'], ['close', 1000, 'bye']]);
  platform.openSocket('wss://h', {}, recorder().on);
  assert.strictEqual(api.connects.length, 2);
  api.fireLegacy('Close', {});
  assert.strictEqual(_budget.inUse, 0);
});

test('wasm: standard WebAssembly with embedded bytes; a clear error without WebAssembly', async () => {
  const imports = { './mpmqtt_bg.js': { ping: () => 1 } };
  const platform = createMyPlatform({ my: fakeMy(), wasmBytes: tinyWasm() });
  assert.strictEqual((await platform.instantiateWasm(imports)).run(), 2);
  const bare = createMyPlatform({ my: fakeMy(), wasmBytes: tinyWasm(), WebAssembly: {} });
  await assert.rejects(bare.instantiateWasm(imports), /no WebAssembly/);
  const unbundled = createMyPlatform({ my: fakeMy() });
  await assert.rejects(unbundled.instantiateWasm(imports), /mqtt\.wasm\.js beside mqtt\.min\.js.*mpmqttWasm/);
});

test('request maps headers/status and fail {error, errorMessage}', async () => {
  const api = fakeMy();
  const platform = createMyPlatform({ my: api });
  const pending = platform.request({ url: 'https://api/t', method: 'POST', headers: { 'Content-Type': 'application/json' }, data: { a: 1 } });
  const req = api.requests[0];
  assert.deepStrictEqual(req.headers, { 'Content-Type': 'application/json' });
  assert.strictEqual(req.data, '{"a":1}');
  req.success({ status: 200, headers: { h: 'v' }, data: 'x' });
  assert.deepStrictEqual(await pending, { status: 200, headers: { h: 'v' }, data: 'x' });
  const failing = platform.request({ url: 'https://api/t' });
  api.requests[1].fail({ error: 13, errorMessage: 'timeout' });
  await assert.rejects(failing, /my\.request failed: error 13: timeout/);
});

test('watchLifecycle and the my option', () => {
  const api = fakeMy();
  const platform = createMyPlatform({ my: api });
  const seen = [];
  const stop = platform.watchLifecycle({ show: () => seen.push('show'), hide: () => seen.push('hide'), online: () => seen.push('on'), offline: () => seen.push('off') });
  api.emitLifecycle('AppHide');
  api.emitLifecycle('NetworkStatusChange', { isConnected: false });
  stop();
  api.emitLifecycle('AppShow');
  assert.deepStrictEqual(seen, ['hide', 'off']);
  assert.throws(() => createMyPlatform({}), /pass it as the my option/);
});
