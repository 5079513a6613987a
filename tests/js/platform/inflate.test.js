'use strict';
const test = require('node:test');
const assert = require('node:assert');
const zlib = require('zlib');
const { inflateRaw } = require('../../../js-glue/platform/inflate');
const { unpack } = require('../../../js-glue/platform/embedded-wasm');
const { embeddedCore } = require('../../../js-glue/platform/wasm-unpacker');
const { tinyWasm } = require('./helpers');

function sample(n, seed, alphabet) {
  const out = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = alphabet ? alphabet[s % alphabet.length] : s >> 16;
  }
  return out;
}

const inputs = {
  empty: Buffer.alloc(0),
  one: Buffer.from([7]),
  text: Buffer.from('MQTT over WebSocket in mini-programs; '.repeat(400)),
  random: sample(70000, 1),
  skewed: sample(150000, 2, [0, 0, 0, 1, 2, 0x41, 0x42, 0xff]),
  runs: Buffer.concat([Buffer.alloc(40000, 0), sample(3000, 3), Buffer.alloc(258 * 3 + 1, 9)]),
};

test('inflateRaw undoes zlib deflateRaw: stored, fixed and dynamic blocks, every level and strategy', () => {
  for (const [name, input] of Object.entries(inputs)) {
    for (const level of [0, 1, 6, 9]) {
      for (const strategy of [zlib.constants.Z_DEFAULT_STRATEGY, zlib.constants.Z_FIXED, zlib.constants.Z_HUFFMAN_ONLY, zlib.constants.Z_RLE]) {
        const packed = zlib.deflateRawSync(input, { level, strategy });
        const out = inflateRaw(new Uint8Array(packed), input.length);
        assert.ok(Buffer.from(out).equals(input), name + ' level ' + level + ' strategy ' + strategy);
      }
    }
  }
});

test('inflateRaw handles a stream flushed into many blocks, stored blocks among them', () => {
  const parts = [];
  const d = zlib.createDeflateRaw({ level: 6 });
  d.on('data', (c) => parts.push(c));
  const input = Buffer.concat([inputs.text, inputs.random.subarray(0, 5000), inputs.skewed.subarray(0, 9000)]);
  for (let i = 0; i < input.length; i += 4096) d.write(input.subarray(i, i + 4096));
  return new Promise((resolve) => {
    d.end(() => {
      const out = inflateRaw(new Uint8Array(Buffer.concat(parts)), input.length);
      assert.ok(Buffer.from(out).equals(input));
      resolve();
    });
  });
});

test('inflateRaw rejects corrupt or truncated data and a wrong size', () => {
  const packed = zlib.deflateRawSync(inputs.text, { level: 9 });
  assert.throws(() => inflateRaw(packed.subarray(0, packed.length >> 1), inputs.text.length), /inflate: corrupt data/);
  assert.throws(() => inflateRaw(packed, inputs.text.length - 1), /inflate: corrupt data/);
  assert.throws(() => inflateRaw(packed, inputs.text.length + 1), /inflate: corrupt data \(size/);
  assert.throws(() => inflateRaw(new Uint8Array([0x07]), 10), /block type 3/);
  const stored = zlib.deflateRawSync(Buffer.from('abc'), { level: 0 });
  stored[3] ^= 0xff; // NLEN no longer the complement of LEN
  assert.throws(() => inflateRaw(stored, 3), /stored length check/);
});

test('unpack checks the format and that the result is a wasm module', () => {
  const wasm = tinyWasm();
  const pack = (bytes, size) => embeddedCore(size, zlib.deflateRawSync(bytes).toString('base64'));
  assert.deepStrictEqual(Array.from(unpack(pack(wasm, wasm.length))), Array.from(wasm));
  // The shape earlier versions shipped: a clear error naming what to do, not a crash.
  const previous = { encoding: 'deflate-raw+base64', size: wasm.length, data: zlib.deflateRawSync(wasm).toString('base64') };
  assert.throws(() => unpack(previous), /not an embedded core of this version.*from the same build/);
  assert.throws(() => unpack(Object.assign(pack(wasm, wasm.length), { inflateRaw: undefined })), /not an embedded core of this version/);
  assert.throws(() => unpack(pack(Buffer.from('nope'), 4)), /does not hold a WebAssembly module/);
  assert.throws(() => unpack(pack(wasm, wasm.length + 1)), /inflate: corrupt data/);
});
