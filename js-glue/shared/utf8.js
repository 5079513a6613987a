'use strict'
// Pure-JS UTF-8: mini-programs have neither TextEncoder nor TextDecoder.

/** The lead byte's marker bits of a sequence with 1, 2 or 3 continuation bytes. */
const LEAD = [0, 0xc0, 0xe0, 0xf0]

/**
 * The code point at `i`, reading a lone surrogate as U+FFFD (what TextEncoder encodes it as).
 * A code point above U+FFFF takes two units of `str`.
 */
function codePointAt (str, i) {
  const c = str.codePointAt(i)
  return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c
}

/** Continuation bytes after the lead byte of code point `c` (0 for ASCII). */
const continuations = (c) => c < 0x80 ? 0 : c < 0x800 ? 1 : c < 0x10000 ? 2 : 3

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD, as TextEncoder does.
 * @param {string} str
 * @returns {Uint8Array}
 */
function encode (str) {
  const out = new Uint8Array(byteLength(str))
  let p = 0
  for (let i = 0; i < str.length; i++) {
    const c = codePointAt(str, i)
    if (c > 0xffff) i++
    let n = continuations(c)
    out[p++] = LEAD[n] | (c >> (6 * n))
    while (n--) out[p++] = 0x80 | ((c >> (6 * n)) & 0x3f)
  }
  return out
}

/**
 * Number of bytes `encode(str)` produces.
 * @param {string} str
 */
function byteLength (str) {
  let n = 0
  for (let i = 0; i < str.length; i++) {
    const c = codePointAt(str, i)
    if (c > 0xffff) i++
    n += 1 + continuations(c)
  }
  return n
}

/**
 * Decodes UTF-8 like TextDecoder (fatal: false): each maximal invalid
 * subpart becomes one U+FFFD.
 * @param {Uint8Array} bytes
 * @param {number} [start]
 * @param {number} [end]
 * @returns {string}
 */
function decode (bytes, start, end) {
  const b = Uint8Array.prototype.subarray.call(bytes, start || 0, end === undefined ? bytes.length : end)
  // Topics and most strings are short ASCII: one native call instead of a push per byte.
  if (b.length <= 256 && isAscii(b)) return String.fromCharCode.apply(null, b)
  let out = ''
  let units = []
  for (let i = 0; i < b.length;) {
    let c = b[i++]
    if (c >= 0x80) {
      // Continuation bytes the lead byte announces (0: it cannot start a sequence), and the
      // range of the first one: no overlong forms, no surrogates, nothing above U+10FFFF.
      const need = c < 0xc2 || c > 0xf4 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3
      let lower = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80
      let upper = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf
      c &= 0x3f >> need
      let got = 0
      for (; got < need && b[i] >= lower && b[i] <= upper; got++) {
        c = (c << 6) | (b[i++] & 0x3f)
        lower = 0x80
        upper = 0xbf
      }
      // An invalid lead byte or a truncated sequence: the bytes consumed so far are one
      // maximal subpart.
      if (!need || got < need) c = 0xfffd
    }
    if (c > 0xffff) {
      // A surrogate pair.
      c -= 0x10000
      units.push(0xd800 + (c >> 10))
      c = 0xdc00 + (c & 0x3ff)
    }
    units.push(c)
    // fromCharCode.apply has an argument-count limit: flush in chunks.
    if (units.length >= 8192) {
      out += String.fromCharCode.apply(null, units)
      units = []
    }
  }
  return out + String.fromCharCode.apply(null, units)
}

function isAscii (bytes) {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return false
  return true
}

module.exports = { encode, decode, byteLength }
