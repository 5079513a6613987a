'use strict'
const test = require('node:test')
const assert = require('node:assert')
const utf8 = require('../../../js-glue/shared/utf8')
const payload = require('../../../js-glue/client/payload')

test('utf8 round trips ASCII, 2-, 3- and 4-byte characters', () => {
  const samples = ['', 'hello world', 'héllo', '你好,世界', '😀 emoji 𝄞 music', 'a\u0000b', '\u07ff\u0800\uffff', '\u{10ffff}']
  for (const s of samples) {
    const bytes = utf8.encode(s)
    assert.deepStrictEqual(Array.from(bytes), Array.from(Buffer.from(s, 'utf8')), s)
    assert.strictEqual(utf8.byteLength(s), bytes.length)
    assert.strictEqual(utf8.decode(bytes), s)
  }
})

test('utf8 encodes lone surrogates as U+FFFD like TextEncoder', () => {
  for (const s of ['\ud800', 'a\udc00b', '\ud83d', '\ud83d\ud83d\ude00', '\ude00\ud83d']) {
    assert.deepStrictEqual(Array.from(utf8.encode(s)), Array.from(new TextEncoder().encode(s)), JSON.stringify(s))
    assert.strictEqual(utf8.byteLength(s), new TextEncoder().encode(s).length)
  }
})

test('utf8 decodes invalid sequences exactly like TextDecoder', () => {
  const cases = [
    [0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x80, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80], [0xf5], [0xff, 0x41], [0xe2, 0x82], [0xe2, 0x82, 0x41], [0xf0, 0x9f, 0x98],
    [0x41, 0xf0, 0x9f, 0x98, 0x80, 0x42], [0xc3]
  ]
  const td = new TextDecoder()
  for (const c of cases) {
    const bytes = Uint8Array.from(c)
    assert.strictEqual(utf8.decode(bytes), td.decode(bytes), c.map((b) => b.toString(16)).join(' '))
  }
  // Random bytes exercise every path.
  let seed = 12345
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff
  for (let n = 0; n < 2000; n++) {
    const bytes = new Uint8Array(1 + (n % 17))
    for (let i = 0; i < bytes.length; i++) bytes[i] = n % 3 ? rnd() | 0x80 : rnd()
    assert.strictEqual(utf8.decode(bytes), td.decode(bytes))
  }
})

test('utf8 decodes long inputs (chunked fromCharCode) and sub-ranges', () => {
  const s = '汉字abc😀'.repeat(5000)
  const bytes = utf8.encode(s)
  assert.strictEqual(utf8.decode(bytes), s)
  assert.strictEqual(utf8.decode(bytes, 6, 9), 'abc')
})

test('Buffer-like payload: toString encodings, length, indexing, slice, toJSON', () => {
  const raw = utf8.encode('温度: 21.5°C ✓')
  const ref = Buffer.from(raw)
  const p = payload.bufferLike(new Uint8Array(raw))
  assert.ok(p instanceof Uint8Array)
  assert.strictEqual(p.length, ref.length)
  assert.strictEqual(p[0], ref[0])
  assert.strictEqual(p.toString(), ref.toString())
  assert.strictEqual('' + p, ref.toString())
  assert.strictEqual(`${p}`, ref.toString())
  for (const enc of ['utf8', 'utf-8', 'UTF8', 'hex', 'base64', 'latin1', 'binary', 'ascii']) {
    assert.strictEqual(p.toString(enc), ref.toString(enc), enc)
    assert.strictEqual(p.toString(enc, 1, 5), ref.toString(enc, 1, 5), enc + ' range')
    // Out-of-range and reversed bounds clamp as Buffer's do: never bytes from beyond the end.
    for (const [a, b] of [[p.length + 5, undefined], [p.length + 5, p.length + 9], [-3, 2], [4, 1], [2, p.length + 40]]) {
      assert.strictEqual(p.toString(enc, a, b), ref.toString(enc, a, b), enc + ' ' + a + '..' + b)
    }
  }
  for (let n = 0; n < 5; n++) {
    assert.strictEqual(payload.bufferLike(Uint8Array.from(raw.subarray(0, n))).toString('base64'), ref.subarray(0, n).toString('base64'))
  }
  assert.throws(() => p.toString('utf16le'), /Unknown encoding/)
  assert.deepStrictEqual(JSON.parse(JSON.stringify(p)), JSON.parse(JSON.stringify(ref)))
  const s = p.slice(0, 6)
  assert.strictEqual(s.toString(), ref.slice(0, 6).toString())
  s[0] = 0x41 // Buffer#slice shares memory
  assert.strictEqual(p[0], 0x41)
  assert.ok(p.equals(Uint8Array.from(p)))
  assert.ok(!p.equals(new Uint8Array(1)))
  // Starting inside a multi-byte character gives U+FFFD, as Buffer does.
  assert.strictEqual(p.toString('utf8', 4), ref.toString('utf8', 4))
})

test('toPayload returns a real Buffer view when Buffer exists', () => {
  const bytes = Uint8Array.from([104, 105])
  const p = payload.toPayload(bytes)
  assert.ok(Buffer.isBuffer(p))
  assert.strictEqual(p.toString(), 'hi')
  assert.strictEqual(p.buffer, bytes.buffer)
})

test('toBytes accepts strings, Uint8Array, Buffer, ArrayBuffer, views and null; rejects the rest', () => {
  assert.deepStrictEqual(Array.from(payload.toBytes('é')), [0xc3, 0xa9])
  const u8 = Uint8Array.from([1, 2, 3])
  assert.strictEqual(payload.toBytes(u8), u8)
  assert.deepStrictEqual(Array.from(payload.toBytes(Buffer.from([4, 5]))), [4, 5])
  assert.deepStrictEqual(Array.from(payload.toBytes(u8.buffer)), [1, 2, 3])
  assert.deepStrictEqual(Array.from(payload.toBytes(new DataView(u8.buffer, 1, 2))), [2, 3])
  assert.strictEqual(payload.toBytes(null).length, 0)
  assert.strictEqual(payload.toBytes(undefined).length, 0)
  for (const bad of [42, true, {}, [1, 2], () => 1]) assert.strictEqual(payload.toBytes(bad), null)
})
