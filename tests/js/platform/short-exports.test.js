'use strict';
/**
 * scripts/lib/short-exports.js: the shipped files call the core's `mq_` exports by short
 * names. A wrong rename would make every page fail at load, so the module, the bundles and
 * the fallback in dist/ are checked against each other here.
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { exportRenames, renameExports, renameExportUses, withReadableNames, shortName, uleb } = require('../../../scripts/lib/short-exports');
const { parseModule, Reader } = require('../../../scripts/lib/wasm-module');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BUILT = path.join(ROOT, 'build', 'wasm', 'mpmqtt_bg.wasm');
const skipBuilt = fs.existsSync(BUILT) ? false : 'build/wasm missing: run scripts/build-wasm';

const str = (s) => [...uleb(s.length), ...Buffer.from(s)];
const section = (id, body) => [id, ...uleb(body.length), ...body];

/** A module exporting `() -> i32` functions returning their index, a memory, and a custom section. */
function tinyModule(names) {
  const types = section(1, [1, 0x60, 0, 1, 0x7f]);
  const funcs = section(3, [...uleb(names.length), ...names.map(() => 0)]);
  const memory = section(5, [1, 0, 1]);
  const exports = section(7, [...uleb(names.length + 1), ...str('memory'), 2, 0, ...names.flatMap((n, i) => [...str(n), 0, ...uleb(i)])]);
  const code = section(10, [...uleb(names.length), ...names.flatMap((_, i) => [4, 0, 0x41, i, 0x0b])]);
  const custom = section(0, [...str('note'), 1, 2, 3]);
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...funcs, ...memory, ...exports, ...code, ...custom]);
}

test('short names: a..Z, then two letters, never an existing export', () => {
  assert.deepStrictEqual([0, 25, 26, 51, 52, 53].map(shortName), ['a', 'z', 'A', 'Z', 'aa', 'ab']);
  const wasm = tinyModule(['mq_b', 'a', 'mq_a', 'b', 'other']);
  assert.deepStrictEqual([...exportRenames(wasm)], [['mq_a', 'c'], ['mq_b', 'd']]);
});

test('renaming keeps every function and every other byte; only `mq_` exports change', async () => {
  const names = ['mq_one', 'mq_two', 'keep_me'];
  const wasm = tinyModule(names);
  const renames = exportRenames(wasm);
  const renamed = renameExports(wasm, renames);
  const { instance } = await WebAssembly.instantiate(renamed);
  assert.deepStrictEqual(Object.keys(instance.exports).sort(), ['a', 'b', 'keep_me', 'memory']);
  assert.strictEqual(instance.exports.a(), 0);
  assert.strictEqual(instance.exports.b(), 1);
  assert.strictEqual(instance.exports.keep_me(), 2);
  const readable = withReadableNames(instance.exports, renames);
  assert.strictEqual(readable.mq_two(), 1);
  assert.strictEqual(readable.memory, instance.exports.memory);
  assert.ok(!('a' in readable));
  // Everything but the export section is byte for byte the same (custom section included).
  const strip = (bytes) => {
    const out = [];
    const r = new Reader(bytes, 8, bytes.length);
    while (r.pos < r.end) {
      const start = r.pos;
      const id = r.byte();
      const size = r.uleb();
      r.pos += size;
      if (id !== 7) out.push(Buffer.from(bytes.subarray(start, r.pos)).toString('hex'));
    }
    return out;
  };
  assert.deepStrictEqual(strip(renamed), strip(wasm));
});

test('a malformed module is refused, not half renamed', () => {
  const wasm = tinyModule(['mq_x']);
  assert.throws(() => renameExports(wasm.subarray(0, wasm.length - 3), exportRenames(wasm)), /past the end|unexpected end/);
});

test('bundle calls are rewritten; a core name the renames miss fails the build', () => {
  const renames = new Map([['mq_new', 'a'], ['mq_ev_code', 'b']]);
  assert.strictEqual(renameExportUses('x.mq_new(1);y.mq_ev_code(h);({mq_copy(){}})', renames, ['mq_copy']), 'x.a(1);y.b(h);({mq_copy(){}})');
  assert.throws(() => renameExportUses('x.mq_new();x.mq_gone()', renames, ['mq_copy']), /do not cover: mq_gone/);
  assert.throws(() => renameExportUses('"the mq_new export"', renames, []), /do not cover: mq_new/);
});

test('dist/: the wasm, the fallback and every bundle use the same short names', { skip: skipBuilt }, () => {
  const built = fs.readFileSync(BUILT);
  const renames = exportRenames(built);
  assert.ok(renames.size >= 30, 'the core has its mq_ exports');
  const dist = (f) => path.join(ROOT, 'dist', f);
  if (!fs.existsSync(dist('wx/mqtt.wasm.br'))) return test.skip?.('dist missing: run scripts/bundle.js');
  const shipped = parseModule(fs.readFileSync(dist('mqtt.wasm'))).exports.map((e) => e.name).sort();
  const expected = parseModule(built).exports.map((e) => renames.get(e.name) || e.name).sort();
  assert.deepStrictEqual(shipped, expected);
  const wxWasm = require('zlib').brotliDecompressSync(fs.readFileSync(dist('wx/mqtt.wasm.br')));
  // The WeChat core is a variant of its own (scripts/build-wasm --variant wechat) with the
  // same exports under the same short names, so one glue drives both.
  assert.deepStrictEqual(parseModule(wxWasm).exports.map((e) => e.name).sort(), shipped, 'the WeChat core exports the same short names');
  for (const bundle of ['mqtt.min.js', 'wx/mqtt.min.js', 'my/mqtt.min.js']) {
    const code = fs.readFileSync(dist(bundle), 'utf8');
    assert.deepStrictEqual([...new Set(code.match(/\bmq_[a-z_]+/g))], ['mq_copy'], bundle + ' names no export by its long name');
  }
  // That the bundles then really drive these modules is what tests/js/emulation proves.
  if (fs.existsSync(dist('mqtt.fallback.js'))) {
    const fallback = fs.readFileSync(dist('mqtt.fallback.js'), 'utf8');
    for (const short of renames.values()) assert.match(fallback, new RegExp('\\b' + short + '\\s*:'), 'the fallback exports ' + short);
  }
});

/** dist/mqtt.min.js loaded afresh (the loaded core is cached per copy of the bundle). */
function freshBundle() {
  const file = path.join(ROOT, 'dist', 'mqtt.min.js');
  delete require.cache[require.resolve(file)];
  return require(file);
}

/** The first 'error' or 'connect' of a client given `wasmBytes`, which then ends. */
function firstOutcome(mqtt, wasmBytes) {
  return new Promise((resolve) => {
    const client = mqtt.connect('ws://127.0.0.1:9/mqtt', { wasmBytes, reconnectPeriod: 0, connectTimeout: 2000 });
    const done = (outcome) => {
      client.removeAllListeners('error');
      client.on('error', () => {});
      client.end(true);
      resolve(outcome);
    };
    client.once('error', (err) => done(err));
    client.once('connect', () => done(null));
  });
}

test('a mqtt.min.js given a core of another build says so at load', { skip: skipBuilt || (fs.existsSync(path.join(ROOT, 'dist', 'mqtt.min.js')) ? false : 'dist missing') }, async () => {
  // The build's own module still has the readable names the shipped bundle no longer calls.
  const mismatched = await firstOutcome(freshBundle(), fs.readFileSync(BUILT));
  assert.match(String(mismatched && mismatched.message), /^mpmqtt: the core module is not the mpmqtt core mqtt\.min\.js expects/);
  // The shipped core loads: what fails is the connection to a closed port, not the core.
  const shipped = await firstOutcome(freshBundle(), fs.readFileSync(path.join(ROOT, 'dist', 'mqtt.wasm')));
  assert.ok(shipped instanceof Error, 'no broker listens on port 9');
  assert.doesNotMatch(shipped.message, /mpmqtt core|could not load/);
});
