'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadCore, resetCoreForTests, IMPORT_MODULE } = require('../../../js-glue/core-loader');
const { tinyWasm } = require('./helpers');

/** A stand-in for wasm-bindgen's shims module: records what the loader does with it. */
function fakeBindgen() {
  const bg = {
    wasm: null,
    ping: () => 99,
    __wbg_set_wasm(exports) {
      bg.wasm = exports;
    },
    Core: class Core {
      run() {
        return bg.wasm.run();
      }
    },
  };
  return bg;
}

function countingPlatform() {
  const p = {
    calls: 0,
    instantiateWasm(imports) {
      p.calls++;
      p.imports = imports;
      return WebAssembly.instantiate(tinyWasm(), imports).then((r) => r.instance.exports);
    },
  };
  return p;
}

test('loads once: the imports come from the shims module and the Core sees the instance', async () => {
  resetCoreForTests();
  const bg = fakeBindgen();
  const platform = countingPlatform();
  const [a, b] = await Promise.all([loadCore(platform, bg), loadCore(platform, bg)]);
  const c = await loadCore(countingPlatform(), fakeBindgen());
  assert.strictEqual(a, bg.Core);
  assert.strictEqual(b, a);
  assert.strictEqual(c, a);
  assert.strictEqual(platform.calls, 1);
  assert.strictEqual(IMPORT_MODULE, './mpmqtt_bg.js');
  assert.deepStrictEqual(Object.keys(platform.imports), ['./mpmqtt_bg.js']);
  assert.strictEqual(platform.imports[IMPORT_MODULE].ping, bg.ping);
  assert.strictEqual(new a().run(), 100);
  resetCoreForTests();
});

test('__wbindgen_start runs when the module exports it', async () => {
  resetCoreForTests();
  let started = 0;
  const bg = fakeBindgen();
  const platform = { instantiateWasm: () => Promise.resolve({ __wbindgen_start: () => started++ }) };
  await loadCore(platform, bg);
  assert.strictEqual(started, 1);
  resetCoreForTests();
});

test('a failed load is not cached: the next call tries again', async () => {
  resetCoreForTests();
  let fail = true;
  const platform = {
    instantiateWasm: (imports) =>
      fail ? Promise.reject(new Error('wasm file not found')) : WebAssembly.instantiate(tinyWasm(), imports).then((r) => r.instance.exports),
  };
  const bg = fakeBindgen();
  await assert.rejects(loadCore(platform, bg), /wasm file not found/);
  fail = false;
  assert.strictEqual(await loadCore(platform, bg), bg.Core);
  resetCoreForTests();
});

test('shims without Core or __wbg_set_wasm are rejected with a clear error', async () => {
  resetCoreForTests();
  await assert.rejects(loadCore(countingPlatform(), { ping() {} }), /lack __wbg_set_wasm or Core/);
  resetCoreForTests();
});
