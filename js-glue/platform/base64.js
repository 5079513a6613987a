'use strict';
/**
 * Base64 (RFC 4648, standard alphabet, padded) for platforms without atob/btoa/Buffer:
 * Alipay's socket API carries binary frames as base64 strings, and the Alipay/browser wasm
 * module is embedded as base64 because Alipay's simulator corrupts binary file reads.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Alphabet index by character code, 255 for the rest; built on first decode (bundles that only encode leave it out). */
let DECODE = null;

function decodeTable() {
  const t = new Uint8Array(256).fill(255);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  // The URL-safe alphabet decodes too: some servers and tools emit it.
  t[45] = 62; // '-'
  t[95] = 63; // '_'
  return t;
}

/**
 * @param {Uint8Array} bytes
 * @returns {string}
 */
function encode(bytes) {
  const n = bytes.length;
  const parts = [];
  // Build the string in chunks (a multiple of 3 bytes) so very large inputs do not create
  // one huge concatenation chain; only the last group of the last chunk can be partial.
  for (let start = 0; start < n; start += 12288) {
    const end = Math.min(start + 12288, n);
    let s = '';
    for (let i = start; i < end; i += 3) {
      const two = i + 1 < end;
      const three = i + 2 < end;
      const v = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0) | (three ? bytes[i + 2] : 0);
      s += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + (two ? ALPHABET[(v >> 6) & 63] : '=') + (three ? ALPHABET[v & 63] : '=');
    }
    parts.push(s);
  }
  return parts.join('');
}

/**
 * Decodes base64, ignoring whitespace (line-wrapped input) and tolerating missing padding.
 * @param {string} text
 * @returns {Uint8Array}
 * @throws {Error} on a character outside the alphabet or a truncated final group
 */
function decode(text) {
  const s = String(text);
  const table = DECODE || (DECODE = decodeTable());
  // Size the result exactly so it owns its whole buffer (callers may hand `.buffer` on).
  let symbols = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 61 && c !== 32 && c !== 10 && c !== 13 && c !== 9) symbols++;
  }
  const out = new Uint8Array(Math.floor((symbols * 6) / 8));
  let o = 0;
  let acc = 0;
  let bits = 0;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) { // '='
      padding++;
      continue;
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    const v = c < 256 ? table[c] : 255;
    if (v === 255 || padding > 0) {
      throw new Error('base64: invalid character at offset ' + i);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  // 6 leftover bits cannot encode a byte: the input lost a character.
  if (bits >= 6) throw new Error('base64: truncated input');
  return out;
}

module.exports = { encode, decode };
