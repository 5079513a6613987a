'use strict'
// Received payloads in mini-programs (no Buffer) against Node's own Buffer: the same calls on the
// same bytes must give the same answer, the same error (class and code), and leave the same
// bytes behind. MQTT.js 4.2.1 bundled a whole Buffer, so its pages call these methods.
const test = require('node:test')
const assert = require('node:assert')
const { bufferLike } = require('../../../js-glue/client/payload')

/** A small deterministic PRNG, so a failure names the seed that reproduces it. */
const SEED_BASE = Number(process.env.MPMQTT_BUFFER_SEED || 0) // other seeds: a longer search
function rng (seed) {
  seed += SEED_BASE
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = (r, list) => list[Math.floor(r() * list.length)]

function randomBytes (r, len) {
  const alphabet = [0, 1, 0x41, 0x4b, 0x4f, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0xfe, 0x20]
  return Uint8Array.from({ length: len }, () => (r() < 0.7 ? pick(r, alphabet) : Math.floor(r() * 256)))
}

/** Runs `call` on a Buffer and on our payload over copies of the same bytes. */
function both (bytes, call) {
  const theirs = Buffer.from(bytes)
  const ours = bufferLike(Uint8Array.from(bytes))
  const run = (b) => {
    try {
      return { value: call(b), bytes: [...b] }
    } catch (e) {
      return { error: e.constructor.name, code: e.code, bytes: [...b] }
    }
  }
  return { theirs: run(theirs), ours: run(ours) }
}

const normal = (x) => {
  if (x && x.value instanceof Uint8Array) return { ...x, value: [...x.value] }
  if (x && typeof x.value === 'number' && Number.isNaN(x.value)) return { ...x, value: 'NaN' }
  if (x && typeof x.value === 'number' && Object.is(x.value, -0)) return { ...x, value: '-0' }
  return x
}

function same (bytes, call, label) {
  const { theirs, ours } = both(bytes, call)
  assert.deepStrictEqual(normal(ours), normal(theirs), `${label} on [${[...bytes]}]`)
}

const offsets = (len) => [undefined, 0, 1, len - 8, len - 4, len - 2, len - 1, len, len + 1, -1, 1.5, '1', null, NaN]

test('every fixed-size read matches Buffer at every offset, errors included', () => {
  const r = rng(1)
  const names = Object.getOwnPropertyNames(Buffer.prototype).filter((n) => /^read(U?[Ii]nt|Big|Float|Double)/.test(n) && !/^read(U?[Ii]nt)(LE|BE)$/.test(n))
  assert.ok(names.length >= 25, 'Buffer has the read methods this test expects')
  for (const len of [0, 1, 2, 3, 4, 7, 8, 9, 16]) {
    const bytes = randomBytes(r, len)
    for (const name of names) {
      for (const offset of offsets(len)) same(bytes, (b) => b[name](offset), `${name}(${offset})`)
    }
  }
})

test('readUIntLE/BE and readIntLE/BE match Buffer for every byte length 0..7', () => {
  const r = rng(2)
  for (const len of [0, 3, 6, 10]) {
    const bytes = randomBytes(r, len)
    for (const name of ['readUIntLE', 'readUIntBE', 'readIntLE', 'readIntBE', 'readUintLE', 'readUintBE']) {
      for (const byteLength of [undefined, 0, 1, 2, 3, 4, 5, 6, 7, 1.5]) {
        for (const offset of [0, 1, len - byteLength, len]) same(bytes, (b) => b[name](offset, byteLength), `${name}(${offset}, ${byteLength})`)
      }
    }
  }
})

test('indexOf / lastIndexOf / includes find strings, numbers and bytes as Buffer does', () => {
  const r = rng(3)
  for (let round = 0; round < 400; round++) {
    const bytes = randomBytes(r, Math.floor(r() * 24))
    const text = Buffer.from(bytes).toString('latin1')
    const from = Math.floor(r() * (bytes.length + 1))
    const part = bytes.subarray(from, from + Math.floor(r() * 4))
    const value = pick(r, [
      () => Buffer.from(part).toString('utf8'),
      () => text.slice(from, from + 2),
      () => 'OK',
      () => 'é',
      () => '',
      () => bytes[from] === undefined ? 7 : bytes[from],
      () => 256 + (bytes[0] || 0),
      () => -1,
      () => Uint8Array.from(part),
      () => new Uint8Array(0)
    ])()
    const byteOffset = pick(r, [undefined, 0, 1, -1, -3, bytes.length, bytes.length + 2, 'utf8', 2.7, null])
    for (const method of ['indexOf', 'lastIndexOf', 'includes']) {
      same(bytes, (b) => b[method](value, byteOffset), `${method}(${JSON.stringify(value instanceof Uint8Array ? [...value] : value)}, ${byteOffset})`)
    }
  }
  // The case that used to answer wrongly: Uint8Array#indexOf reads a string as NaN.
  const payload = bufferLike(Uint8Array.from(Buffer.from('status: OK')))
  assert.strictEqual(payload.indexOf('OK'), 8)
  assert.strictEqual(payload.includes('OK'), true)
})

test('compare, copy and numeric fill match Buffer, including the bytes they leave', () => {
  const r = rng(4)
  for (let round = 0; round < 300; round++) {
    const bytes = randomBytes(r, Math.floor(r() * 12))
    const other = randomBytes(r, Math.floor(r() * 12))
    const arg = () => pick(r, [undefined, 0, 1, 2, bytes.length, other.length, 20, -1])
    const a = [arg(), arg(), arg(), arg()]
    same(bytes, (b) => b.compare(Buffer.from(other), ...a), `compare(${[...other]}, ${a})`)
    same(bytes, (b) => {
      const target = Buffer.from(other)
      const n = b.copy(target, a[0], a[1], a[2])
      return [n, ...target]
    }, `copy([${[...other]}], ${a.slice(0, 3)})`)
    const fillValue = pick(r, [0, 255, 256, -1, 7.9, true])
    same(bytes, (b) => b.fill(fillValue, a[0], a[1]) && undefined, `fill(${JSON.stringify(fillValue)}, ${a.slice(0, 2)})`)
  }
})

test('methods that would write into a received payload throw an error naming the alternative', () => {
  const payload = bufferLike(new Uint8Array(8))
  for (const name of ['writeUInt16BE', 'writeUint8', 'writeInt32LE', 'writeFloatBE', 'writeDoubleLE', 'writeUIntBE', 'write', 'swap16', 'swap64', 'fill']) {
    assert.throws(() => payload[name](name === 'fill' ? 'ab' : 1, 0), (e) => e instanceof TypeError && /only reading methods here \(no Buffer\): write into a new Uint8Array/.test(e.message), name)
  }
  assert.deepStrictEqual([...payload], [0, 0, 0, 0, 0, 0, 0, 0], 'nothing written')
  // Encodings other than UTF-8 in searches are refused, not answered wrongly.
  assert.throws(() => bufferLike(new Uint8Array([0xab])).indexOf('ab', 0, 'hex'), /not available on payloads in mini-programs/)
})

test('every Buffer method a page of MQTT.js 4.2.1 could call exists on a received payload', () => {
  // 4.2.1 bundled the `buffer` package; its prototype is the list a page could rely on.
  const BundledBuffer = require('mqtt4/node_modules/buffer').Buffer
  const payload = bufferLike(new Uint8Array(4))
  const internal = new Set(['constructor', 'inspect', 'parent', 'offset', 'toLocaleString', 'hexSlice', 'latin1Slice', 'asciiSlice', 'base64Slice', 'utf8Slice', 'ucs2Slice', 'hexWrite', 'latin1Write', 'asciiWrite', 'base64Write', 'utf8Write', 'ucs2Write', '_isBuffer'])
  const missing = Object.getOwnPropertyNames(BundledBuffer.prototype).filter((n) => !internal.has(n) && typeof payload[n] !== 'function')
  assert.deepStrictEqual(missing, [])
})
