'use strict'
/**
 * Records: the bytes options and the page's v5 properties travel as from the glue into the
 * core (src/wasm/record.rs has the layout and reads them). A record keeps JS types apart
 * (number, boolean, string, bytes, object, array), so the core can say "keepalive must be a
 * number" exactly as it would looking at the JS value itself. The core writes records too:
 * the packets packetsend/packetreceive carry (src/wasm/packet_record.rs), read by `decode`.
 */
const utf8 = require('../shared/utf8')

const ABSENT = 0
const FALSE = 1
const TRUE = 2
const NUMBER = 3
const STRING = 4
const BYTES = 5
const OBJECT = 6
const ARRAY = 7
const OTHER = 8
const PROPERTIES = 9 // core to glue only: a v5 property section body
/** Deeper values (a cycle, most likely) are written as OTHER, which no option accepts. */
const MAX_DEPTH = 8

/**
 * @param {*} value  a plain JS value: options, a properties object, a list of filters
 * @returns {Uint8Array}
 */
function encode (value) {
  const w = { b: new Uint8Array(64), n: 0 }
  put(w, value, 0)
  return w.b.subarray(0, w.n)
}

function room (w, k) {
  if (w.n + k <= w.b.length) return
  const grown = new Uint8Array(Math.max(w.b.length * 2, w.n + k))
  grown.set(w.b.subarray(0, w.n))
  w.b = grown
}

function tag (w, t) {
  room(w, 1)
  w.b[w.n++] = t
}

function u32At (b, at, x) {
  b[at] = x
  b[at + 1] = x >>> 8
  b[at + 2] = x >>> 16
  b[at + 3] = x >>> 24
}

function sized (w, bytes) {
  room(w, 4 + bytes.length)
  u32At(w.b, w.n, bytes.length)
  w.b.set(bytes, w.n + 4)
  w.n += 4 + bytes.length
}

function put (w, v, depth) {
  if (v === undefined || v === null) return tag(w, ABSENT)
  if (typeof v === 'boolean') return tag(w, v ? TRUE : FALSE)
  if (typeof v === 'number') {
    tag(w, NUMBER)
    room(w, 8)
    new DataView(w.b.buffer).setFloat64(w.n, v, true)
    w.n += 8
    return
  }
  if (typeof v === 'string') {
    tag(w, STRING)
    return sized(w, utf8.encode(v))
  }
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
    tag(w, BYTES)
    return sized(w, v instanceof Uint8Array ? v : new Uint8Array(v))
  }
  if (typeof v !== 'object' || depth >= MAX_DEPTH) return tag(w, OTHER)
  const isArray = Array.isArray(v)
  tag(w, isArray ? ARRAY : OBJECT)
  room(w, 4)
  const at = w.n
  w.n += 4
  if (isArray) {
    for (let i = 0; i < v.length; i++) put(w, v[i], depth + 1)
  } else {
    const keys = Object.keys(v)
    for (let i = 0; i < keys.length; i++) {
      sized(w, utf8.encode(keys[i]))
      put(w, v[keys[i]], depth + 1)
    }
  }
  u32At(w.b, at, w.n - at - 4)
}

/**
 * A record the core wrote, as a JS value; absent reads as null.
 * @param {Uint8Array} b  the core's memory
 * @param {number} p      where the record starts
 * @param {(b: Uint8Array, start: number, end: number) => object} properties  reads a section
 * @param {(bytes: Uint8Array) => *} bytes  turns a copy of a byte string into the page's type
 */
function decode (b, p, properties, bytes) {
  const size = () => (b[p++] | b[p++] << 8 | b[p++] << 16 | b[p++] << 24) >>> 0
  const value = () => {
    const t = b[p++]
    if (t === NUMBER) {
      p += 8
      return new DataView(b.buffer, b.byteOffset + p - 8, 8).getFloat64(0, true)
    }
    if (t < NUMBER) return t === ABSENT ? null : t === TRUE
    const end = size() + p
    const start = p
    if (t === STRING) return utf8.decode(b, start, (p = end))
    if (t === BYTES) return bytes(b.slice(start, (p = end)))
    if (t === PROPERTIES) return properties(b, start, (p = end))
    const out = t === ARRAY ? [] : {}
    while (p < end) {
      if (t === ARRAY) out.push(value())
      else {
        const n = size()
        const key = utf8.decode(b, p, (p += n))
        out[key] = value()
      }
    }
    return out
  }
  return value()
}

module.exports = { encode, decode }
