'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { selectPlatform } = require('../../../js-glue/platform');
const { fakeWx, fakeMy, withGlobals } = require('./helpers');

test('options.my selects Alipay even where wx exists', () => {
  withGlobals({ wx: fakeWx() }, () => assert.strictEqual(selectPlatform({ my: fakeMy() }).name, 'my'));
});

test('a global my with connectSocket selects Alipay, a global wx WeChat', () => {
  withGlobals({ my: fakeMy() }, () => assert.strictEqual(selectPlatform({}).name, 'my'));
  withGlobals({ wx: fakeWx() }, () => assert.strictEqual(selectPlatform({}).name, 'wx'));
  withGlobals({ wx: fakeWx() }, () => assert.strictEqual(selectPlatform().name, 'wx'));
});

test('globals without connectSocket do not count; WebSocket is the fallback', () => {
  withGlobals({ my: {}, wx: { request() {} } }, () => assert.strictEqual(selectPlatform({}).name, 'websocket'));
  assert.strictEqual(selectPlatform({}).name, 'websocket');
});

test('the selected WeChat platform uses the api given as options.wx', () => {
  const api = fakeWx();
  const platform = selectPlatform({ wx: api });
  assert.strictEqual(platform.name, 'wx');
  platform.openSocket('wss://h', {}, { open() {}, message() {}, close() {}, error() {} });
  assert.strictEqual(api.connects.length, 1);
  api.tasks[0].fire('Close', { code: 1000, reason: '' });
});

test('every platform implements the whole interface', () => {
  for (const p of [selectPlatform({ my: fakeMy() }), selectPlatform({ wx: fakeWx() }), selectPlatform({})]) {
    for (const fn of ['openSocket', 'instantiateWasm', 'watchLifecycle', 'request', 'randomBytes']) {
      assert.strictEqual(typeof p[fn], 'function', p.name + '.' + fn);
    }
  }
});

test('the WeChat-only selector has no wasm2js loader and says which build has one', async () => {
  const wxOnly = require('../../../js-glue/platform/wx-only');
  const noEngine = wxOnly.selectPlatform({ wx: fakeWx() });
  assert.strictEqual(noEngine.name, 'wx');
  await assert.rejects(noEngine.instantiateWasm({}), /^Error: mpmqtt: WXWebAssembly is not available \(needs WeChat base library 2\.14\.0 or later\): dist\/wx\/ has no JavaScript core; use dist\/mqtt\.min\.js with mqtt\.fallback\.js$/);
  const forced = wxOnly.selectPlatform({ wx: fakeWx(), WXWebAssembly: { instantiate() {} }, forceFallback: true });
  await assert.rejects(forced.instantiateWasm({}), /^Error: mpmqtt: forceFallback: dist\/wx\/ has no JavaScript core/);
});
