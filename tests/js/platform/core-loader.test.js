'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { loadCore, resetCoreForTests, IMPORT_MODULE } = require('../../../js-glue/core-loader');
const { tinyWasm } = require('./helpers');

/** The core build's module (scripts/build-wasm). */
const CORE_WASM = fs.readFileSync(path.join(__dirname, '../../../build/wasm/mpmqtt_bg.wasm'));

/** A stand-in for wasm-bindgen's shims module: records what the loader does with it. */
function fakeBindgen() {
  const bg = {
    wasm: null,
    ping: () => 99,
    __wbg_set_wasm(exports) {
      bg.wasm = exports;
    },
  };
  return bg;
}

function countingPlatform(bytes = CORE_WASM) {
  const p = {
    calls: 0,
    instantiateWasm(imports) {
      p.calls++;
      p.imports = imports;
      return WebAssembly.instantiate(bytes, imports).then((r) => r.instance.exports);
    },
  };
  return p;
}

test('loads once: the imports hold the shims and the native copy, and the Core drives the instance', async () => {
  resetCoreForTests();
  const bg = fakeBindgen();
  const platform = countingPlatform();
  const [Core, again] = await Promise.all([loadCore(platform, bg), loadCore(platform, bg)]);
  const other = await loadCore(countingPlatform(), fakeBindgen());
  assert.strictEqual(again, Core);
  assert.strictEqual(other, Core);
  assert.strictEqual(platform.calls, 1);
  assert.strictEqual(IMPORT_MODULE, './mpmqtt_bg.js');
  assert.deepStrictEqual(Object.keys(platform.imports), ['./mpmqtt_bg.js']);
  assert.strictEqual(platform.imports[IMPORT_MODULE].ping, bg.ping);
  assert.strictEqual(typeof platform.imports[IMPORT_MODULE].mq_copy, 'function');
  assert.ok(bg.wasm && typeof bg.wasm.mq_new === 'function', 'the shims got the instance');
  const core = new Core({ clientId: 'loader-test', keepalive: 7 });
  core.connect(0);
  core.transport_opened(0);
  const connect = core.poll_transmit();
  assert.strictEqual(connect[0], 0x10);
  // The options reached the core: the client id is in the CONNECT.
  assert.ok(Buffer.from(connect).includes('loader-test'));
  core.free();
  resetCoreForTests();
});

test('__wbindgen_start runs when the module exports it', async () => {
  resetCoreForTests();
  let started = 0;
  const platform = {
    instantiateWasm: (imports) =>
      WebAssembly.instantiate(CORE_WASM, imports).then((r) => Object.assign({}, r.instance.exports, { __wbindgen_start: () => started++ })),
  };
  await loadCore(platform, fakeBindgen());
  assert.strictEqual(started, 1);
  resetCoreForTests();
});

test('a failed load is not cached: the next call tries again', async () => {
  resetCoreForTests();
  let fail = true;
  const platform = {
    instantiateWasm: (imports) =>
      fail ? Promise.reject(new Error('wasm file not found')) : WebAssembly.instantiate(CORE_WASM, imports).then((r) => r.instance.exports),
  };
  const bg = fakeBindgen();
  await assert.rejects(loadCore(platform, bg), /wasm file not found/);
  fail = false;
  const Core = await loadCore(platform, bg);
  assert.strictEqual(typeof Core, 'function');
  resetCoreForTests();
});

test('shims without __wbg_set_wasm, or a module that is not this core, are rejected with a clear error', async () => {
  resetCoreForTests();
  await assert.rejects(loadCore(countingPlatform(), { ping() {} }), /lack __wbg_set_wasm/);
  resetCoreForTests();
  await assert.rejects(loadCore(countingPlatform(tinyWasm()), fakeBindgen()), /not the mpmqtt core mqtt\.min\.js expects/);
  resetCoreForTests();
});
