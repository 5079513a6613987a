'use strict';
const test = require('node:test');
const assert = require('node:assert');
const base64 = require('../../../js-glue/platform/base64');

test('encode matches Node for every length 0..300 and all byte values', () => {
  for (let n = 0; n <= 300; n++) {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = (i * 97 + n * 13) & 0xff;
    const text = base64.encode(bytes);
    assert.strictEqual(text, Buffer.from(bytes).toString('base64'), 'length ' + n);
    assert.deepStrictEqual(Array.from(base64.decode(text)), Array.from(bytes), 'round trip, length ' + n);
  }
});

test('encode handles inputs larger than one internal chunk', () => {
  const bytes = new Uint8Array(100003);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  const text = base64.encode(bytes);
  assert.strictEqual(text, Buffer.from(bytes).toString('base64'));
  assert.ok(Buffer.from(base64.decode(text)).equals(Buffer.from(bytes)));
});

test('encode of a view encodes only the view', () => {
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
  assert.strictEqual(base64.encode(backing.subarray(2, 5)), 'AQID');
});

test('decode owns an exactly sized buffer', () => {
  const out = base64.decode('AQID');
  assert.strictEqual(out.byteOffset, 0);
  assert.strictEqual(out.buffer.byteLength, 3);
});

test('decode ignores whitespace, tolerates missing padding and reads the URL-safe alphabet', () => {
  assert.deepStrictEqual(Array.from(base64.decode('AQ\r\nID\t ')), [1, 2, 3]);
  assert.deepStrictEqual(Array.from(base64.decode('AQ')), [1]);
  assert.deepStrictEqual(Array.from(base64.decode('-_8=')), [0xfb, 0xff]);
});

test('decode rejects characters outside the alphabet, data after padding and truncation', () => {
  assert.throws(() => base64.decode('AQ*D'), /invalid character at offset 2/);
  assert.throws(() => base64.decode('AQ==AQ=='), /invalid character/);
  assert.throws(() => base64.decode('AQIDB'), /truncated/);
  assert.throws(() => base64.decode('中文'), /invalid character/);
});
