'use strict';
/**
 * The SocketTask runtimes (js-glue/platform/runtimes.js, socket-task.js), DingTalk (dd.js)
 * and the selection order of js-glue/platform/index.js. The full round trips through the
 * emulated runtimes are rows of scripts/matrix (tt, qq, swan, dd, ks, uni-app, taro).
 */
const test = require('node:test');
const assert = require('node:assert');
const { selectPlatform } = require('../../../js-glue/platform');
const { createRuntimePlatform, createCustomPlatform, RUNTIMES } = require('../../../js-glue/platform/runtimes');
const { _budgets } = require('../../../js-glue/platform/socket-task');
const { MINIPROGRAM_SOCKET_LIMIT, CLOSE_GRACE_MS } = require('../../../js-glue/platform/common');
const { recorder, fakeWx, fakeMy, withGlobals } = require('./helpers');

const NAMES = ['tt', 'qq', 'swan', 'ks', 'uni'];
const tick = () => new Promise((r) => setTimeout(r, 5));

test('each runtime sends exactly the bytes of a view as one ArrayBuffer and reads ArrayBuffer messages', () => {
  for (const name of NAMES) {
    const api = fakeWx();
    const platform = createRuntimePlatform(name, { [name]: api });
    assert.strictEqual(platform.name, name);
    const rec = recorder();
    const t = platform.openSocket('wss://h/mqtt', { protocols: ['mqtt'], headers: { a: 'b' } }, rec.on);
    assert.deepStrictEqual(api.connects[0].protocols, ['mqtt']);
    assert.deepStrictEqual(api.connects[0].header, { a: 'b' });
    api.tasks[0].fire('Open', {});
    // A view into a larger buffer, as the core hands out: only its bytes may go.
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    t.send(backing.subarray(2, 5));
    const sent = api.tasks[0].sent[0].data;
    assert.ok(sent instanceof ArrayBuffer, name + ' sends an ArrayBuffer');
    assert.deepStrictEqual(Array.from(new Uint8Array(sent)), [1, 2, 3]);
    api.tasks[0].fire('Message', { data: new Uint8Array([0x20, 2, 0, 0]).buffer });
    api.tasks[0].fire('Close', { code: 1000, reason: '' });
    assert.deepStrictEqual(rec.events, [['open'], ['message', [0x20, 2, 0, 0]], ['close', 1000, '']]);
  }
});

test('a text frame fails the socket with the text_frame diagnosis and closes it with 1000', () => {
  const api = fakeWx();
  const rec = recorder();
  createRuntimePlatform('tt', { tt: api }).openSocket('wss://h', {}, rec.on);
  api.tasks[0].fire('Open', {});
  api.tasks[0].fire('Message', { data: '<html>' });
  assert.deepStrictEqual(api.tasks[0].closed, [{ code: 1000, reason: 'error' }]);
  api.tasks[0].fire('Close', { code: 1000, reason: 'error' });
  assert.deepStrictEqual(rec.kinds(), ['open', 'error', 'close']);
  assert.strictEqual(rec.events[2][1], 1006);
});

test('the sixth socket of a runtime gets a clear error; closing one frees a slot', async () => {
  const api = fakeWx();
  const platform = createRuntimePlatform('qq', { qq: api });
  const recs = [];
  for (let i = 0; i <= MINIPROGRAM_SOCKET_LIMIT; i++) {
    recs.push(recorder());
    platform.openSocket('wss://h', {}, recs[i].on);
  }
  await tick();
  assert.strictEqual(api.connects.length, MINIPROGRAM_SOCKET_LIMIT);
  assert.match(recs[MINIPROGRAM_SOCKET_LIMIT].events[0][1], /QQ allows at most 5 open sockets/);
  api.tasks[0].fire('Close', { code: 1000, reason: '' });
  platform.openSocket('wss://h', {}, recorder().on);
  assert.strictEqual(api.connects.length, MINIPROGRAM_SOCKET_LIMIT + 1);
  for (const t of api.tasks.slice(1)) t.fire('Close', { code: 1000, reason: '' });
  assert.strictEqual(_budgets.qq.inUse, 0);
});

test('a fail callback (even before connectSocket returns) reports error then close, once', async () => {
  const api = fakeWx();
  api.connectSocket = (o) => {
    o.fail({ errMsg: 'connectSocket:fail url not in domain list' });
    const t = { onOpen() {}, onMessage() {}, onError() {}, onClose() {}, send() {}, close() {} };
    return t;
  };
  const rec = recorder();
  createRuntimePlatform('swan', { swan: api }).openSocket('wss://h', {}, rec.on);
  assert.deepStrictEqual(rec.events, []);
  await tick();
  assert.deepStrictEqual(rec.kinds(), ['error', 'close']);
  assert.match(rec.events[0][1], /swan\.connectSocket failed: connectSocket:fail url not in domain list/);
});

test('a connectSocket that returns no SocketTask fails with a clear error', async () => {
  const rec = recorder();
  createCustomPlatform({ connectSocket: () => undefined }).openSocket('wss://h', {}, rec.on);
  await tick();
  assert.deepStrictEqual(rec.kinds(), ['error', 'close']);
  assert.match(rec.events[0][1], /connectSocket returned no SocketTask/);
});

test('Taro: a Promise of a SocketTask works, and a close asked for before it resolves reaches the task', async () => {
  const api = fakeWx();
  const platform = createCustomPlatform({ connectSocket: (o) => Promise.resolve(api.connectSocket(o)) });
  assert.strictEqual(platform.name, 'custom');
  const rec = recorder();
  const t = platform.openSocket('wss://h', {}, rec.on);
  await tick();
  api.tasks[0].fire('Open', {});
  t.send(new Uint8Array([0xc0, 0]));
  assert.deepStrictEqual(Array.from(new Uint8Array(api.tasks[0].sent[0].data)), [0xc0, 0]);

  let resolveTask;
  const early = createCustomPlatform({ connectSocket: () => new Promise((r) => (resolveTask = r)) });
  const rec2 = recorder();
  early.openSocket('wss://h', {}, rec2.on).close(4000, 'bye');
  const task = fakeWx().connectSocket({});
  resolveTask(task);
  await tick();
  assert.deepStrictEqual(task.closed, [{ code: 4000, reason: 'bye' }]);
  task.fire('Close', { code: 4000, reason: 'bye' });
  assert.deepStrictEqual(rec2.events, [['close', 4000, 'bye']]);

  const rejected = createCustomPlatform({ connectSocket: () => Promise.reject(new Error('no network')) });
  const rec3 = recorder();
  rejected.openSocket('wss://h', {}, rec3.on);
  await tick();
  assert.deepStrictEqual(rec3.events, [['error', 'no network'], ['close', 0, 'no network']]);
});

test('close codes outside 1000/3000-4999 become 1000; a close the runtime never confirms is reported after the grace period', { timeout: CLOSE_GRACE_MS + 2000 }, async () => {
  const api = fakeWx();
  const rec = recorder();
  const t = createRuntimePlatform('ks', { ks: api }).openSocket('wss://h', {}, rec.on);
  api.tasks[0].fire('Open', {});
  t.close(1006, 'x');
  assert.deepStrictEqual(api.tasks[0].closed, [{ code: 1000, reason: 'x' }]);
  await new Promise((r) => setTimeout(r, CLOSE_GRACE_MS + 100));
  assert.deepStrictEqual(rec.events, [['open'], ['close', 1000, 'x']]);
});

test('without WebAssembly the runtimes load the fallback core and say why when it is missing', async () => {
  const platform = createRuntimePlatform('tt', { tt: fakeWx(), WebAssembly: { instantiate: undefined } });
  await assert.rejects(platform.instantiateWasm({}), /^Error: mpmqtt: this ByteDance runtime has no WebAssembly, and the JavaScript fallback core failed/);
});

test('lifecycle events of the runtime reach the hooks; unsubscribing removes them', () => {
  const api = fakeWx();
  const seen = [];
  const stop = createRuntimePlatform('tt', { tt: api }).watchLifecycle({ show: () => seen.push('show'), hide: () => seen.push('hide'), online: () => seen.push('online'), offline: () => seen.push('offline') });
  api.emitLifecycle('AppHide', {});
  api.emitLifecycle('NetworkStatusChange', { isConnected: false });
  api.emitLifecycle('AppShow', {});
  stop();
  api.emitLifecycle('AppHide', {});
  assert.deepStrictEqual(seen, ['hide', 'offline', 'show']);
  assert.strictEqual(api.lifecycleSubs.AppHide.size, 0);
});

test('DingTalk runs the Alipay single-socket API over dd: base64 frames with isBuffer', () => {
  const dd = fakeMy({ legacy: true });
  const platform = selectPlatform({ dd });
  assert.strictEqual(platform.name, 'dd');
  const rec = recorder();
  const t = platform.openSocket('wss://h', {}, rec.on);
  dd.fireLegacy('Open', {});
  t.send(new Uint8Array([0x10, 0, 0xff]));
  assert.deepStrictEqual(dd.sentLegacy[0].isBuffer, true);
  assert.strictEqual(dd.sentLegacy[0].data, Buffer.from([0x10, 0, 0xff]).toString('base64'));
  dd.fireLegacy('Close', { code: 1000, reason: '' });
});

test('selection: explicit options, then the URL scheme, then each runtime\'s own global before wx/my', () => {
  const sock = () => fakeWx();
  for (const n of ['tt', 'qq', 'swan', 'ks', 'uni']) assert.strictEqual(selectPlatform({ [n]: sock() }).name, n);
  assert.strictEqual(selectPlatform({ connectSocket: () => null, wx: sock() }).name, 'custom');
  // QQ defines wx too; DingTalk my.
  withGlobals({ qq: sock(), wx: sock() }, () => {
    assert.strictEqual(selectPlatform({}).name, 'qq');
    assert.strictEqual(selectPlatform({ protocol: 'wxs' }).name, 'wx');
  });
  withGlobals({ dd: fakeMy({ legacy: true }), my: fakeMy() }, () => {
    assert.strictEqual(selectPlatform({}).name, 'dd');
    assert.strictEqual(selectPlatform({ protocol: 'alis' }).name, 'my');
  });
  for (const n of ['tt', 'swan', 'ks']) withGlobals({ [n]: sock() }, () => assert.strictEqual(selectPlatform({}).name, n));
  // uni-app: its App runtime (no WebSocket) uses uni; H5 keeps the browser WebSocket.
  withGlobals({ uni: sock() }, () => assert.strictEqual(selectPlatform({}).name, 'uni'));
  withGlobals({ uni: sock(), WebSocket: function WebSocket() {} }, () => assert.strictEqual(selectPlatform({}).name, 'websocket'));
  withGlobals({ tt: {} }, () => assert.strictEqual(selectPlatform({}).name, 'websocket'));
});

test('every runtime has a label and a global lookup; a missing API says which option to pass', () => {
  for (const n of Object.keys(RUNTIMES)) {
    assert.throws(() => createRuntimePlatform(n, {}), new RegExp('needs the ' + n + ' API \\(' + n + '\\.connectSocket\\); pass it as the ' + n + ' option'));
  }
  assert.throws(() => createCustomPlatform({ connectSocket: 1 }), /connectSocket option must be a function/);
});
