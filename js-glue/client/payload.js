'use strict'
// Message payloads: what pages hand to publish() and what 'message' hands back.
// MQTT.js delivers Node Buffers; pages rely on toString() giving UTF-8 text.
const utf8 = require('../shared/utf8')
const base64 = require('../platform/base64')
const { addBufferMethods } = require('./buffer-methods')

// Node (and tests) get real Buffers; mini-programs have no Buffer.
const NodeBuffer = typeof Buffer === 'function' && typeof Buffer.from === 'function' ? Buffer : null

const HEX = '0123456789abcdef'

/**
 * Buffer.prototype.toString(encoding, start, end) for the encodings pages use.
 * @param {Uint8Array} bytes
 */
function bytesToString (bytes, encoding, start, end) {
  const len = bytes.length
  // Clamped like Buffer#toString: a start past the end gives '', never bytes from nowhere.
  const from = start === undefined ? 0 : Math.min(len, Math.max(0, start | 0))
  const to = end === undefined ? len : Math.max(from, Math.min(len, end | 0))
  const enc = encoding === undefined || encoding === null ? 'utf8' : String(encoding).toLowerCase()
  let s = ''
  switch (enc) {
    case 'utf8':
    case 'utf-8':
      return utf8.decode(bytes, from, to)
    case 'hex':
      for (let i = from; i < to; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15]
      return s
    case 'base64':
      return base64.encode(Uint8Array.prototype.subarray.call(bytes, from, to))
    case 'ascii':
    case 'latin1':
    case 'binary':
      // ASCII drops the top bit, as Buffer's does.
      for (let i = from; i < to; i++) s += String.fromCharCode(enc === 'ascii' ? bytes[i] & 0x7f : bytes[i])
      return s
    default:
      throw new TypeError('Unknown encoding: ' + encoding)
  }
}

// A Uint8Array whose prototype carries the Buffer methods pages call. No
// subclass constructor: typed-array species methods (map, filter) then make
// plain Uint8Arrays instead of failing, and transpiling to ES5 cannot break it.
const proto = Object.create(Uint8Array.prototype)
proto.toString = function (encoding, start, end) {
  return bytesToString(this, encoding, start, end)
}
proto.toJSON = function () {
  return { type: 'Buffer', data: Array.prototype.slice.call(this) }
}
proto.equals = function (other) {
  if (!other || other.length !== this.length) return false
  for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false
  return true
}
addBufferMethods(proto)
// Buffer#slice shares memory (unlike Uint8Array#slice); keep Buffer's meaning.
proto.slice = proto.subarray = function (start, end) {
  return bufferLike(Uint8Array.prototype.subarray.call(this, start, end))
}

/**
 * Gives `bytes` Buffer behaviour in place: a Node Buffer view when Buffer
 * exists (Node, tests), else the same Uint8Array with Buffer-like methods.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
function toPayload (bytes) {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return bufferLike(bytes)
}

function bufferLike (bytes) {
  Object.setPrototypeOf(bytes, proto)
  return bytes
}

/**
 * Converts what a page may publish into bytes; `null` for anything else.
 * null/undefined publish an empty payload, as MQTT.js does.
 * @param {*} message
 * @returns {Uint8Array|null}
 */
function toBytes (message) {
  if (message === undefined || message === null) return new Uint8Array(0)
  if (typeof message === 'string') return utf8.encode(message)
  if (message instanceof Uint8Array) return message
  if (message instanceof ArrayBuffer) return new Uint8Array(message)
  if (ArrayBuffer.isView(message)) return new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
  return null
}

/** What toBytes takes, for the errors of what it refuses. */
const PAYLOAD_TYPES = 'a string, Uint8Array, Buffer or ArrayBuffer'

module.exports = { toPayload, bufferLike, toBytes, bytesToString, PAYLOAD_TYPES }
