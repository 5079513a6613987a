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

test('TextEncoder.encodeInto stops at whole characters and reports UTF-16 units read', () => {
  const enc = new shim.TextEncoder();
  const dest = new Uint8Array(5);
  assert.deepStrictEqual(enc.encodeInto('ab😀c', dest), { read: 2, written: 2 }); // 😀 needs 4 bytes, 3 left
  const big = new Uint8Array(20);
  assert.deepStrictEqual(enc.encodeInto('ab😀c', big), { read: 5, written: 7 });
  assert.deepStrictEqual(Array.from(big.subarray(0, 7)), Array.from(new TextEncoder().encode('ab😀c')));
  const native = new TextEncoder();
  for (const s of samples) {
    for (const cap of [0, 1, 2, 3, 7, 64]) {
      const a = new Uint8Array(cap);
      const b = new Uint8Array(cap);
      assert.deepStrictEqual(enc.encodeInto(s, a), native.encodeInto(s, b), 'encodeInto result, cap ' + cap);
      assert.deepStrictEqual(Array.from(a), Array.from(b));
    }
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

test('TextDecoder: BOM stripped unless ignoreBOM, fatal throws, views and buffers accepted', () => {
  const withBom = new Uint8Array([0xef, 0xbb, 0xbf, 0x41]);
  assert.strictEqual(new shim.TextDecoder().decode(withBom), 'A');
  assert.strictEqual(new shim.TextDecoder('utf-8', { ignoreBOM: true }).decode(withBom), '\ufeffA');
  assert.throws(() => new shim.TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])), TypeError);
  const backing = new Uint8Array([0x78, 0x41, 0x42, 0x78]);
  assert.strictEqual(new shim.TextDecoder().decode(backing.subarray(1, 3)), 'AB');
  assert.strictEqual(new shim.TextDecoder().decode(new DataView(backing.buffer, 1, 2)), 'AB');
  assert.strictEqual(new shim.TextDecoder().decode(backing.buffer), 'xABx');
  assert.strictEqual(new shim.TextDecoder().decode(), '');
  assert.throws(() => new shim.TextDecoder('latin1'), RangeError);
  assert.throws(() => new shim.TextDecoder().decode(new Uint8Array(1), { stream: true }), /stream/);
});
