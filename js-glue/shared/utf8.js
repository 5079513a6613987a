'use strict'
// Pure-JS UTF-8: mini-programs have neither TextEncoder nor TextDecoder.

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD, as TextEncoder does.
 * @param {string} str
 * @returns {Uint8Array}
 */
function encode (str) {
  const out = new Uint8Array(byteLength(str))
  let p = 0
  for (let i = 0; i < str.length; i++) {
    let c = str.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < str.length ? str.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
      } else {
        c = 0xfffd
      }
    }
    if (c < 0x80) {
      out[p++] = c
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6)
      out[p++] = 0x80 | (c & 0x3f)
    } else if (c < 0x10000) {
      out[p++] = 0xe0 | (c >> 12)
      out[p++] = 0x80 | ((c >> 6) & 0x3f)
      out[p++] = 0x80 | (c & 0x3f)
    } else {
      out[p++] = 0xf0 | (c >> 18)
      out[p++] = 0x80 | ((c >> 12) & 0x3f)
      out[p++] = 0x80 | ((c >> 6) & 0x3f)
      out[p++] = 0x80 | (c & 0x3f)
    }
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
    const c = str.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length &&
      str.charCodeAt(i + 1) >= 0xdc00 && str.charCodeAt(i + 1) <= 0xdfff) {
      n += 4
      i++
    } else n += 3
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
  let i = start || 0
  const stop = end === undefined ? bytes.length : end
  // Topics and most strings are short ASCII: one native call instead of a push per byte.
  if (stop - i <= 256 && isAscii(bytes, i, stop)) {
    return String.fromCharCode.apply(null, Uint8Array.prototype.subarray.call(bytes, i, stop))
  }
  let out = ''
  let units = []
  while (i < stop) {
    const b = bytes[i++]
    if (b < 0x80) {
      units.push(b)
    } else {
      let need = -1 // stays -1 for a byte that cannot start a sequence
      let cp = 0
      let lower = 0x80
      let upper = 0xbf
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1
        cp = b & 0x1f
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2
        cp = b & 0x0f
        if (b === 0xe0) lower = 0xa0
        if (b === 0xed) upper = 0x9f // no UTF-16 surrogates
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3
        cp = b & 0x07
        if (b === 0xf0) lower = 0x90
        if (b === 0xf4) upper = 0x8f // nothing above U+10FFFF
      }
      while (need > 0 && i < stop && bytes[i] >= lower && bytes[i] <= upper) {
        cp = (cp << 6) | (bytes[i++] & 0x3f)
        lower = 0x80
        upper = 0xbf
        need--
      }
      if (need !== 0) {
        // Invalid lead byte or truncated sequence: the bytes consumed so far
        // form one maximal subpart.
        units.push(0xfffd)
      } else if (cp >= 0x10000) {
        cp -= 0x10000
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff))
      } else {
        units.push(cp)
      }
    }
    // fromCharCode.apply has an argument-count limit: flush in chunks.
    if (units.length >= 8192) {
      out += String.fromCharCode.apply(null, units)
      units = []
    }
  }
  return out + String.fromCharCode.apply(null, units)
}

function isAscii (bytes, start, stop) {
  for (let i = start; i < stop; i++) if (bytes[i] >= 0x80) return false
  return true
}

module.exports = { encode, decode, byteLength }
