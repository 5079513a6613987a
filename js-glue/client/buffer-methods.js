'use strict'
// Node Buffer's reading methods for received payloads in mini-programs, which have no Buffer.
// MQTT.js 4.2.1 bundled a whole Buffer, so pages call `payload.readUInt16BE(0)` or
// `payload.indexOf('OK')`; each method here answers as Buffer's does, errors included (the
// same class and `code`; shorter messages, since WeChat counts this file's bytes), and the
// methods that would write into a received payload throw an error naming the alternative.
// Never a silent wrong answer: Uint8Array's own indexOf/includes/fill read a string as NaN.
const utf8 = require('../shared/utf8')

function fail (Type, code, text) {
  const e = new Type(text)
  e.code = code
  return e
}

const outOfRange = (what) => fail(RangeError, 'ERR_OUT_OF_RANGE', what + ' out of range')
const wrongType = (what) => fail(TypeError, 'ERR_INVALID_ARG_TYPE', what)

/**
 * Buffer's check of an integer argument: a number, whole, within [min, max]; `fallback`
 * when undefined.
 */
function checked (what, value, fallback, min, max) {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw wrongType(what + ' must be a number')
  if (value !== Math.floor(value) || value < min || value > max) throw outOfRange(what)
  return value
}

/** A read offset with `size` bytes after it. */
function readAt (bytes, offset = 0, size) {
  if (bytes.length < size && typeof offset === 'number' && offset === Math.floor(offset)) {
    throw fail(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', 'offset out of bounds')
  }
  return checked('offset', offset, 0, 0, bytes.length - size)
}

const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength)

/** Adds Buffer's methods to `proto`, the prototype of received payloads. */
function addBufferMethods (proto) {
  // Buffer's fixed-size reads, named after DataView's getters: LE/BE variants above one byte,
  // Buffer's `UInt` and `Uint` spellings, Float/Double for Float32/Float64.
  for (const type of ['Uint8', 'Int8', 'Uint16', 'Int16', 'Uint32', 'Int32', 'Float32', 'Float64', 'BigUint64', 'BigInt64']) {
    const size = type.replace(/\D/g, '') / 8
    const name = type.replace('Float32', 'Float').replace('Float64', 'Double')
    for (const end of size > 1 ? ['LE', 'BE'] : ['']) {
      const read = function (offset) {
        const get = DataView.prototype['get' + type]
        if (!get) throw new TypeError('No 64-bit integers in this runtime: use readUInt32' + end + ' twice')
        return get.call(view(this), readAt(this, offset, size), end === 'LE')
      }
      for (const spelling of [name, name.replace('Uint', 'UInt')]) {
        proto['read' + spelling + end] = read
        proto['write' + spelling + end] = readOnly
      }
    }
  }
  // readUIntLE(offset, byteLength) and friends: 1 to 6 bytes.
  for (const sign of ['UInt', 'Uint', 'Int']) {
    for (const end of ['LE', 'BE']) {
      proto['read' + sign + end] = function (offset, byteLength) {
        const n = checked('byteLength', byteLength === undefined ? null : byteLength, 0, 1, 6)
        const at = readAt(this, offset, n)
        let value = 0
        for (let i = 0; i < n; i++) value = value * 256 + this[end === 'LE' ? at + n - 1 - i : at + i]
        return sign === 'Int' && value >= 2 ** (8 * n - 1) ? value - 2 ** (8 * n) : value
      }
      proto['write' + sign + end] = readOnly
    }
  }
  proto.write = readOnly

  proto.indexOf = function (value, byteOffset, encoding) {
    return search(this, value, byteOffset, encoding, true)
  }
  proto.lastIndexOf = function (value, byteOffset, encoding) {
    return search(this, value, byteOffset, encoding, false)
  }
  proto.includes = function (value, byteOffset, encoding) {
    return search(this, value, byteOffset, encoding, true) >= 0
  }

  proto.compare = function (target, targetStart, targetEnd, sourceStart, sourceEnd) {
    bytesArgument(target)
    const t0 = checked('targetStart', targetStart, 0, 0, Infinity)
    const t1 = checked('targetEnd', targetEnd, target.length, 0, target.length)
    const s0 = checked('sourceStart', sourceStart, 0, 0, Infinity)
    const s1 = checked('sourceEnd', sourceEnd, this.length, 0, this.length)
    if (s0 >= s1) return t0 >= t1 ? 0 : -1
    if (t0 >= t1) return 1
    for (let i = 0; i < s1 - s0 && i < t1 - t0; i++) {
      if (this[s0 + i] !== target[t0 + i]) return this[s0 + i] < target[t0 + i] ? -1 : 1
    }
    return Math.sign((s1 - s0) - (t1 - t0))
  }

  proto.copy = function (target, targetStart, sourceStart, sourceEnd) {
    bytesArgument(target)
    const [t0, s0, end] = [targetStart, sourceStart, sourceEnd].map((v, i) => {
      const n = v === undefined ? (i === 2 ? this.length : 0) : Math.trunc(Number(v))
      if (!(n >= 0)) throw outOfRange('copy argument ' + i)
      return n
    })
    if (s0 > this.length) throw outOfRange('sourceStart')
    const n = Math.max(0, Math.min(end, this.length) - s0, 0)
    const count = t0 >= target.length ? 0 : Math.min(n, target.length - t0)
    if (count) target.set(Uint8Array.prototype.subarray.call(this, s0, s0 + count), t0)
    return count
  }

  // Uint8Array's fill treats a number as Buffer's does, but reads a string as NaN (zeros)
  // and clamps the range where Buffer throws.
  const fillNumbers = proto.fill
  proto.fill = function (value, offset, end) {
    if (typeof value === 'string' || typeof offset === 'string' || typeof end === 'string') readOnly()
    const from = checked('offset', offset, 0, 0, Infinity)
    // Buffer ignores `end` when no offset is given.
    const to = offset === undefined ? this.length : checked('end', end, this.length, 0, this.length)
    if (from < to) fillNumbers.call(this, value, from, to)
    return this
  }
  proto.swap16 = proto.swap32 = proto.swap64 = readOnly
}

/** Buffer's writing methods (and string fills): an error that names what to use instead. */
function readOnly () {
  throw new TypeError('Payloads have only reading methods here (no Buffer): write into a new Uint8Array')
}

function bytesArgument (target) {
  if (!(target instanceof Uint8Array)) throw wrongType('target must be a Uint8Array')
}

/** A string's bytes for searching: UTF-8 is the encoding mini-programs get. */
function utf8Only (text, encoding) {
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
    throw new TypeError(encoding + ' is not available on payloads in mini-programs: pass the bytes as a Uint8Array')
  }
  return utf8.encode(text)
}

/** Buffer#indexOf / lastIndexOf for a number, a string (UTF-8) or bytes. */
function search (bytes, value, byteOffset, encoding, forward) {
  if (typeof byteOffset === 'string') {
    encoding = byteOffset
    byteOffset = undefined
  }
  const len = bytes.length
  let start = Math.trunc(Number(byteOffset))
  if (Number.isNaN(start)) start = forward ? 0 : len
  if (start < 0) start += len
  let needle
  if (typeof value === 'number') needle = [value & 255]
  else if (typeof value === 'string') needle = utf8Only(value, encoding)
  else if (value instanceof Uint8Array) needle = value
  else throw wrongType('value must be a string, number or Uint8Array')
  const n = needle.length
  if (!forward && start < 0) return n ? -1 : 0
  if (!n) return Math.max(0, Math.min(start, len))
  for (let i = forward ? Math.max(start, 0) : Math.min(start, len - n); forward ? i + n <= len : i >= 0; i += forward ? 1 : -1) {
    let j = 0
    while (j < n && bytes[i + j] === needle[j]) j++
    if (j === n) return i
  }
  return -1
}

module.exports = { addBufferMethods }
