'use strict';
/**
 * Loads the shipped bundle the way mini-programs do — a CommonJS wrapper in a realm without
 * TextEncoder, TextDecoder, AbortController, globalThis, queueMicrotask, BigInt, URL,
 * Buffer, fetch or WebAssembly — and checks that a client comes up: the wasm core loads
 * through WXWebAssembly (or, for Alipay, from the embedded module) and asks for a socket.
 *
 * The bundle is built from build/wasm (MPMQTT_WASM_DIR overrides) into a temporary folder.
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');
const zlib = require('zlib');
const { pathToFileURL } = require('url');
const { bundle } = require('../../../scripts/bundle');
const { unpack } = require('../../../js-glue/platform/embedded-wasm');

const ROOT = path.resolve(__dirname, '../../..');
const STRIPPED = ['TextEncoder', 'TextDecoder', 'AbortController', 'queueMicrotask', 'BigInt', 'URL', 'URLSearchParams', 'Buffer', 'fetch', 'WebAssembly', 'SharedArrayBuffer', 'globalThis'];

let outDir;
test.before(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-dist-'));
  await bundle({ wasmDir: process.env.MPMQTT_WASM_DIR || path.join(ROOT, 'build', 'wasm'), outDir, quiet: true });
});
test.after(() => fs.rmSync(outDir, { recursive: true, force: true }));

/**
 * A bare realm with only what both mini-program runtimes offer: timers and console.
 * Returns the realm's own WebAssembly (captured before it is removed from the globals) so
 * fakes hand back same-realm objects, as the real runtime does.
 */
function strippedRealm(extra, keep = []) {
  const ctx = vm.createContext({});
  const W = vm.runInContext('WebAssembly', ctx);
  const U8 = vm.runInContext('Uint8Array', ctx);
  const stripped = STRIPPED.filter((name) => !keep.includes(name));
  vm.runInContext(stripped.map((name) => 'delete this.' + name + ';').join(''), ctx);
  for (const name of stripped) assert.strictEqual(vm.runInContext('typeof ' + name, ctx), 'undefined', name + ' stripped');
  Object.assign(ctx, { console, setTimeout, clearTimeout, setInterval, clearInterval }, extra(W, U8));
  return ctx;
}

/** Runs a file as the mini-program module system would and returns its module.exports. */
function loadModule(ctx, file, modules) {
  const code = fs.readFileSync(file, 'utf8');
  const fn = vm.runInContext('(function (require, module, exports) {' + code + '\n})', ctx, { filename: file });
  const module = { exports: {} };
  const req = (name) => {
    if (!(name in modules)) throw new Error('module "' + name + '" is not defined');
    return modules[name]();
  };
  fn(req, module, module.exports);
  return module.exports;
}

function fakeSocketApi(connects) {
  return {
    connectSocket(o) {
      const handlers = {};
      const task = { options: o, handlers, sent: [] };
      for (const n of ['Open', 'Message', 'Close', 'Error']) task['on' + n] = (fn) => (handlers[n] = fn);
      task.send = (s) => task.sent.push(s);
      task.close = () => setTimeout(() => handlers.Close && handlers.Close({ code: 1000, reason: '' }), 0);
      connects.push(task);
      return task;
    },
  };
}

async function until(cond, what, errors) {
  for (let i = 0; i < 300; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting for ' + what + (errors && errors.length ? '; client errors: ' + errors.join(' | ') : ''));
}

for (const build of ['', 'wx/']) test(`WeChat (${build || 'universal '}mqtt.min.js): loads in a stripped realm, core from /utils/mqtt.wasm.br, client opens a socket and sends CONNECT`, async () => {
  const connects = [];
  const wasmCalls = [];
  const codePackage = { '/utils/mqtt.wasm.br': path.join(outDir, build, 'mqtt.wasm.br') };
  const ctx = strippedRealm((W, U8) => ({
    wx: fakeSocketApi(connects),
    WXWebAssembly: {
      instantiate(p, imports) {
        wasmCalls.push(p);
        if (typeof p !== 'string' || !codePackage[p]) return Promise.reject({ errMsg: 'file not found: ' + p });
        return W.instantiate(new U8(zlib.brotliDecompressSync(fs.readFileSync(codePackage[p]))), imports);
      },
    },
  }));
  const mqtt = loadModule(ctx, path.join(outDir, build, 'mqtt.min.js'), {});
  assert.strictEqual(typeof mqtt, 'function');
  assert.strictEqual(mqtt.connect, mqtt);
  const client = mqtt.connect('wxs://broker.example.com/mqtt', { clientId: 'stripped-1', reconnectPeriod: 0 });
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  await until(() => connects.length === 1, 'wx.connectSocket', errors);
  assert.deepStrictEqual(wasmCalls, ['/miniprogram_npm/mpmqtt/mqtt.wasm.br', '/utils/mqtt.wasm.br']);
  const task = connects[0];
  assert.strictEqual(task.options.url, 'wss://broker.example.com/mqtt');
  assert.deepStrictEqual(Array.from(task.options.protocols), ['mqtt']);
  task.handlers.Open({});
  await until(() => task.sent.length > 0, 'CONNECT', errors);
  const connect = new Uint8Array(task.sent[0].data);
  assert.strictEqual(connect[0], 0x10, 'a CONNECT packet');
  assert.ok(Buffer.from(connect).includes(Buffer.from('stripped-1')), 'carrying the client id');
  client.end(true);
});

for (const build of ['', 'my/']) test(`Alipay (${build || 'universal '}mqtt.min.js): loads in a stripped realm with WebAssembly, core from the embedded mqtt.wasm.js`, async () => {
  const connects = [];
  // Alipay's logic layer has the standard WebAssembly, undocumented.
  const ctx = strippedRealm(() => ({ my: fakeSocketApi(connects) }), ['WebAssembly']);
  const mqtt = loadModule(ctx, path.join(outDir, build, 'mqtt.min.js'), {
    './mqtt.wasm.js': () => loadModule(ctx, path.join(outDir, build, 'mqtt.wasm.js'), {}),
  });
  const client = mqtt.connect('alis://broker.example.com/mqtt', { clientId: 'stripped-2', reconnectPeriod: 0 });
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  await until(() => connects.length === 1, 'my.connectSocket', errors);
  const task = connects[0];
  assert.strictEqual(task.options.multiple, true);
  task.handlers.Open({});
  await until(() => task.sent.length > 0, 'CONNECT', errors);
  assert.strictEqual(task.sent[0].isBuffer, true);
  assert.strictEqual(Buffer.from(task.sent[0].data, 'base64')[0], 0x10);
  client.end(true);
});

test('a one-platform build on the other platform fails with an error naming the right files', async () => {
  for (const [build, realm, url] of [['wx/', () => ({ my: fakeSocketApi([]) }), 'alis://broker.example.com/mqtt'], ['my/', () => ({ wx: fakeSocketApi([]) }), 'wxs://broker.example.com/mqtt']]) {
    const ctx = strippedRealm(realm, ['WebAssembly']);
    const mqtt = loadModule(ctx, path.join(outDir, build, 'mqtt.min.js'), { './mqtt.wasm.js': () => loadModule(ctx, path.join(outDir, 'mqtt.wasm.js'), {}) });
    const client = mqtt.connect(url, { clientId: 'wrong-build', reconnectPeriod: 0 });
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    await until(() => errors.length > 0, 'the error of ' + build, errors);
    assert.match(errors[0], build === 'wx/' ? /needs the wx API/ : /needs the my API/);
    assert.match(errors[0], /Alipay pages use dist\/my\/, WeChat pages dist\/wx\//);
    client.end(true);
  }
});

test('the one-platform builds leave the other platforms out', () => {
  const code = (f) => fs.readFileSync(path.join(outDir, f), 'utf8');
  // Texts only each platform module has: its errors name its socket API.
  const wxText = 'the WeChat platform needs the wx API';
  const myText = 'the Alipay platform needs the my API';
  assert.ok(code('mqtt.min.js').includes(wxText) && code('mqtt.min.js').includes(myText), 'the universal build has both');
  assert.ok(code('wx/mqtt.min.js').includes(wxText) && !code('wx/mqtt.min.js').includes(myText), 'wx/ has only WeChat');
  assert.ok(code('my/mqtt.min.js').includes(myText) && !code('my/mqtt.min.js').includes(wxText), 'my/ has only Alipay');
  assert.ok(code('wx/mqtt.min.js').length < code('mqtt.min.js').length && code('my/mqtt.min.js').length < code('mqtt.min.js').length);
});

test('a plain <script> defines the global mqtt; require and import both get the callable connect', async () => {
  const ctx = vm.createContext({ console, setTimeout, clearTimeout });
  vm.runInContext(fs.readFileSync(path.join(outDir, 'mqtt.min.js'), 'utf8'), ctx);
  assert.strictEqual(vm.runInContext('typeof mqtt + typeof mqtt.connect', ctx), 'functionfunction');
  const file = path.join(outDir, 'mqtt.min.js');
  const required = require(file);
  assert.strictEqual(typeof required, 'function');
  assert.strictEqual(typeof required.connect, 'function');
  const imported = await import(pathToFileURL(file).href);
  assert.strictEqual(imported.default, required);
});

test('the embedded module is the wasm, as CommonJS and as a <script> global', () => {
  const wasm = fs.readFileSync(path.join(outDir, 'mqtt.wasm'));
  const file = path.join(outDir, 'mqtt.wasm.js');
  const unpackWithZlib = (v) => zlib.inflateRawSync(Buffer.from(v.data, 'base64'));
  const packed = require(file);
  assert.strictEqual(packed.format, 'mpmqtt-wasm/deflate-raw+base64');
  assert.strictEqual(packed.size, wasm.length);
  assert.ok(unpackWithZlib(packed).equals(wasm));
  assert.ok(Buffer.from(unpack(packed)).equals(wasm));
  const ctx = vm.createContext({});
  vm.runInContext(fs.readFileSync(file, 'utf8'), ctx);
  assert.ok(unpackWithZlib(ctx.mpmqttWasm).equals(wasm));
  assert.ok(Buffer.from(unpack(ctx.mpmqttWasm)).equals(wasm), 'the inflater it carries works in a bare realm');
  assert.ok(zlib.brotliDecompressSync(fs.readFileSync(path.join(outDir, 'mqtt.wasm.br'))).equals(wasm));
});

test('the inflater ships in mqtt.wasm.js only: a page running the fallback does not carry it', () => {
  for (const name of ['mqtt.min.js', 'wx/mqtt.min.js', 'my/mqtt.min.js']) {
    assert.doesNotMatch(fs.readFileSync(path.join(outDir, name), 'utf8'), /inflate: corrupt data/, name);
  }
  assert.match(fs.readFileSync(path.join(outDir, 'mqtt.wasm.js'), 'utf8'), /inflate: corrupt data/);
});

test('the shipped JS has no eval, new Function, globalThis or import.meta', () => {
  for (const name of ['mqtt.min.js', 'wx/mqtt.min.js', 'my/mqtt.min.js', 'mqtt.wasm.js']) {
    const code = fs.readFileSync(path.join(outDir, name), 'utf8');
    // Function(...) called bare is eval too; inside a string (wasm-bindgen's debug text
    // writes `Function(${name})`) it is not.
    for (const banned of [/\beval\s*\(/, /\bnew\s+Function\b/, /(^|[^\w$"'`.])Function\s*\(/, /\bglobalThis\b/, /\bimport\.meta\b/]) {
      assert.ok(!banned.test(code), name + ' contains ' + banned);
    }
  }
});

// WeChat before base library 3.6.0 and Alipay's simulator have no BigInt. wasm-bindgen only
// emits it when an i64/u64 crosses the JS boundary (serde of 64-bit integers included).
// BigInt literals need no scan: esbuild refuses them for the es2017 target.
for (const name of ['mqtt.min.js', 'wx/mqtt.min.js', 'my/mqtt.min.js']) test(`the shipped JS (${name}) does not reference BigInt`, () => {
  const code = fs.readFileSync(path.join(outDir, name), 'utf8');
  const uses = [];
  const re = /\bBigInt\b/g;
  let m;
  while ((m = re.exec(code)) !== null) uses.push(code.slice(Math.max(0, m.index - 60), m.index + 40));
  assert.deepStrictEqual(uses, [], 'BigInt referenced (an i64/u64 crosses the wasm boundary)');
});
