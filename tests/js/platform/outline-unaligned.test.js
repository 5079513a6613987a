'use strict';
// scripts/lib/outline-unaligned.js: the fallback core's under-aligned accesses go through one
// function per kind. The rewritten module must read and write exactly the bytes the original
// does, at every alignment, and leave data segments and aligned accesses alone.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { outlineUnalignedAccesses } = require('../../../scripts/lib/outline-unaligned');

const BIN = path.join(__dirname, '..', '..', '..', 'node_modules', '.bin');
const DATA_TEXT = '(i64.load offset=5 align=1 (local.get $0))';

// Every access kind the core has, plus a nested one and one that must stay.
const MODULE = `(module
 (memory (export "memory") 1)
 (data (i32.const 600) ${JSON.stringify(DATA_TEXT)})
 (func (export "ld64") (param i32) (result i64) (i64.load offset=5 align=1 (local.get 0)))
 (func (export "ld64a2") (param i32) (result i64) (i64.load offset=290 align=2 (local.get 0)))
 (func (export "ld32") (param i32) (result i32) (i32.load offset=12 align=1 (local.get 0)))
 (func (export "ld16u") (param i32) (result i32) (i32.load16_u align=1 (local.get 0)))
 (func (export "ld16s") (param i32) (result i32) (i32.load16_s offset=3 align=1 (local.get 0)))
 (func (export "ld64_32s") (param i32) (result i64) (i64.load32_s offset=1 align=2 (local.get 0)))
 (func (export "st64") (param i32 i64) (i64.store offset=1 align=1 (local.get 0) (local.get 1)))
 (func (export "st64a2") (param i32 i64) (i64.store offset=6 align=2 (local.get 0) (local.get 1)))
 (func (export "st32") (param i32 i32) (i32.store offset=8 align=1 (local.get 0) (local.get 1)))
 (func (export "st16") (param i32 i32) (i32.store16 offset=1 align=1 (local.get 0) (local.get 1)))
 (func (export "nested") (param i32) (result i32) (i32.load offset=2 align=1 (i32.load16_u align=1 (local.get 0))))
 (func (export "aligned") (param i32) (result i64) (i64.load offset=8 align=4 (local.get 0)))
)`;

function binaryen(tool, args) {
  const r = spawnSync(path.join(BIN, tool), args, { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, tool + ' failed: ' + r.stderr);
}

/** The module as build-fallback sees it (wasm-dis output), and the rewritten one, instantiated. */
async function modules() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-outline-'));
  const file = (name) => path.join(dir, name);
  fs.writeFileSync(file('in.wat'), MODULE);
  binaryen('wasm-as', [file('in.wat'), '-o', file('in.wasm')]);
  binaryen('wasm-dis', [file('in.wasm'), '-o', file('printed.wat')]);
  const printed = fs.readFileSync(file('printed.wat'), 'utf8');
  const outlined = outlineUnalignedAccesses(printed);
  fs.writeFileSync(file('out.wat'), outlined.wat);
  binaryen('wasm-as', [file('out.wat'), '-o', file('out.wasm')]);
  const instance = async (name) => (await WebAssembly.instantiate(fs.readFileSync(file(name)))).instance.exports;
  const result = { printed, outlined, original: await instance('in.wasm'), rewritten: await instance('out.wasm') };
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

test('outlined accesses read and write the same bytes as the original at every alignment', async () => {
  const { outlined, original, rewritten } = await modules();
  assert.strictEqual(outlined.rewritten, 12, 'every under-aligned access, the nested ones too');
  assert.strictEqual(outlined.helpers.length, 10, 'one function per kind');
  for (const m of [original, rewritten]) {
    const heap = new Uint8Array(m.memory.buffer);
    for (let i = 0; i < 512; i++) heap[i] = (i * 73 + 41) & 255; // no two neighbours alike
  }
  const heapOf = (m) => Buffer.from(new Uint8Array(m.memory.buffer, 0, 1024));
  const value64 = 0x8877665544332211n;
  for (let p = 0; p < 40; p++) {
    for (const name of ['ld64', 'ld64a2', 'ld32', 'ld16u', 'ld16s', 'ld64_32s', 'nested', 'aligned']) {
      assert.strictEqual(rewritten[name](p), original[name](p), name + ' at ' + p);
    }
    for (const [name, value] of [['st64', value64 + BigInt(p)], ['st64a2', -value64], ['st32', -0x12345678 + p], ['st16', 0xfedc - p]]) {
      original[name](p + 100, value);
      rewritten[name](p + 100, value);
      assert.ok(heapOf(rewritten).equals(heapOf(original)), name + ' at ' + (p + 100));
    }
  }
  assert.strictEqual(Buffer.from(new Uint8Array(rewritten.memory.buffer, 600, DATA_TEXT.length)).toString(), DATA_TEXT, 'data segment untouched');
});

test('aligned accesses and data segments stay; unknown input is refused', async () => {
  const { printed, outlined } = await modules();
  assert.match(outlined.wat, /\(i64\.load offset=8 align=4/);
  const dataLine = (text) => text.split('\n').find((l) => /^\s*\(data\b/.test(l));
  assert.strictEqual(dataLine(outlined.wat), dataLine(printed));
  // Outside the helper functions no under-aligned access is left.
  const body = outlined.wat.split(/\n \(func \$mpmqtt_unaligned_/)[0];
  assert.doesNotMatch(body.split('\n').filter((l) => !/^\s*\(data\b/.test(l)).join('\n'), /align=[12]\b/);
  assert.throws(() => outlineUnalignedAccesses(outlined.wat), /already has/);
  assert.throws(() => outlineUnalignedAccesses('(func)'), /not a module/);
});
