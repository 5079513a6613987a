'use strict';
const test = require('node:test');
const assert = require('node:assert');
const shim = require('../../../js-glue/shims/text-coding');

const samples = ['', 'hello', 'topic/温度/😀', '\u0000\u007f\u0080\u07ff\u0800\uffff', 'a\ud800b', '\udc00', 'x\ud83d', '\ud83d\ude00'.repeat(5000)];

test('TextEncoder.encode matches the platform encoder, lone surrogates included', () => {
  const native = new TextEncoder();
  for (const s of samples) {
    assert.deepStrictEqual(Array.from(new shim.TextEncoder().encode(s)), Array.from(native.encode(s)), JSON.stringify(s.slice(0, 20)));
  }
});

test('TextDecoder.decode matches the platform decoder on valid and invalid UTF-8', () => {
  const native = new TextDecoder('utf-8', { ignoreBOM: true });
  const ours = new shim.TextDecoder('utf-8', { ignoreBOM: true });
  const cases = [
    [],
    [0x68, 0x69],
    Array.from(new TextEncoder().encode('温度😀')),
    [0xc0, 0x80], // overlong
    [0xed, 0xa0, 0x80], // encoded surrogate
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xe2, 0x82], // truncated at end
    [0xe2, 0x28, 0xa1],
    [0xf0, 0x9f, 0x98], // truncated 4-byte
    [0xff, 0xfe, 0x41],
    [0xef, 0xbb, 0xbf, 0x41], // BOM kept with ignoreBOM
  ];
  // Random bytes exercise every state transition against the reference.
  let seed = 7;
  for (let n = 0; n < 300; n++) {
    const arr = [];
    for (let i = 0; i < 12; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      arr.push(seed & 0xff);
    }
    cases.push(arr);
  }
  for (const c of cases) {
    const bytes = new Uint8Array(c);
    assert.strictEqual(ours.decode(bytes), native.decode(bytes), 'bytes ' + c.join(','));
  }
  // Long input crosses the internal flush boundary.
  const long = new TextEncoder().encode('é😀'.repeat(20000));
  assert.strictEqual(ours.decode(long), native.decode(long));
});

test('what wasm-bindgen\'s shims do with them: decode() of nothing, views into a larger memory, a BOM kept', () => {
  const ours = new shim.TextDecoder('utf-8', { ignoreBOM: true });
  assert.strictEqual(ours.decode(), '');
  const memory = new Uint8Array([0x78, 0xef, 0xbb, 0xbf, 0x41, 0xc3, 0xa9, 0x78]);
  assert.strictEqual(ours.decode(memory.subarray(1, 7)), '\ufeffAé');
  assert.strictEqual(ours.decode(memory.subarray(4, 5)), 'A', 'a short ASCII view decodes only its own bytes');
  assert.strictEqual(new shim.TextEncoder().encode().length, 0);
  assert.strictEqual(new shim.TextEncoder().encoding, 'utf-8');
  assert.strictEqual(ours.encoding, 'utf-8');
});
