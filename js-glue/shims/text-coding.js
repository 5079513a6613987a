'use strict';
/**
 * UTF-8 TextEncoder/TextDecoder for runtimes without them (WeChat, Alipay, old iOS).
 * wasm-bindgen's JS shims create both at module load; the bundler injects these classes in
 * place of the globals, so the bundle behaves the same everywhere. Only UTF-8 is supported,
 * which is all wasm-bindgen asks for. Decoding follows the WHATWG algorithm: invalid input
 * becomes U+FFFD per maximal subpart unless `fatal` is set.
 */

/**
 * @param {string} str
 * @returns {Uint8Array}
 */
function encode(str) {
  const s = String(str);
  // Worst case three bytes per UTF-16 code unit.
  const out = new Uint8Array(s.length * 3);
  const written = encodeIntoArray(s, out).written;
  return out.slice(0, written);
}

/**
 * Encodes as many whole characters of `s` as fit into `dest`.
 * @returns {{read: number, written: number}} UTF-16 code units read, bytes written
 */
function encodeIntoArray(s, dest) {
  const cap = dest.length;
  let read = 0;
  let w = 0;
  const n = s.length;
  while (read < n) {
    let c = s.charCodeAt(read);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = read + 1 < n ? s.charCodeAt(read + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        units = 2;
      } else {
        c = 0xfffd; // lone surrogate
      }
    }
    if (c < 0x80) {
      if (w + 1 > cap) break;
      dest[w++] = c;
    } else if (c < 0x800) {
      if (w + 2 > cap) break;
      dest[w++] = 0xc0 | (c >> 6);
      dest[w++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      if (w + 3 > cap) break;
      dest[w++] = 0xe0 | (c >> 12);
      dest[w++] = 0x80 | ((c >> 6) & 63);
      dest[w++] = 0x80 | (c & 63);
    } else {
      if (w + 4 > cap) break;
      dest[w++] = 0xf0 | (c >> 18);
      dest[w++] = 0x80 | ((c >> 12) & 63);
      dest[w++] = 0x80 | ((c >> 6) & 63);
      dest[w++] = 0x80 | (c & 63);
    }
    read += units;
  }
  return { read, written: w };
}

/**
 * @param {Uint8Array} bytes
 * @param {boolean} fatal  throw a TypeError on invalid input instead of substituting U+FFFD
 * @returns {string}
 */
function decode(bytes, fatal) {
  // Topics and most strings the core hands out are short ASCII: one native call instead of
  // a push per byte. Longer inputs go through the loop, which flushes in bounded chunks.
  if (bytes.length <= 256) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes);
  }
  const units = [];
  const parts = [];
  let needed = 0; // continuation bytes still expected
  let cp = 0;
  let lower = 0x80;
  let upper = 0xbf;
  const bad = () => {
    if (fatal) throw new TypeError('The encoded data was not valid utf-8');
    units.push(0xfffd);
  };
  const flush = () => {
    // fromCharCode.apply has an argument-count limit; 8192 is safe everywhere.
    parts.push(String.fromCharCode.apply(null, units));
    units.length = 0;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b < 0x80) {
        units.push(b);
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 0x07;
      } else {
        bad();
      }
    } else if (b < lower || b > upper) {
      // Maximal subpart: the bad byte starts over as a possible lead byte.
      needed = 0;
      lower = 0x80;
      upper = 0xbf;
      bad();
      i--;
    } else {
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      if (--needed === 0) {
        if (cp >= 0x10000) {
          cp -= 0x10000;
          units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
        } else {
          units.push(cp);
        }
      }
    }
    if (units.length >= 8192) flush();
  }
  if (needed !== 0) bad();
  flush();
  return parts.join('');
}

function toUint8(input) {
  if (input === undefined || input === null) return new Uint8Array(0);
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer || (typeof input.byteLength === 'number' && typeof input.slice === 'function')) {
    return new Uint8Array(input);
  }
  throw new TypeError('TextDecoder.decode: expected an ArrayBuffer or a view of one');
}

function checkLabel(label) {
  const l = label === undefined ? 'utf-8' : String(label).trim().toLowerCase();
  if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') {
    throw new RangeError('TextDecoder: only utf-8 is supported, not "' + label + '"');
  }
}

class TextEncoder {
  get encoding() {
    return 'utf-8';
  }

  encode(input) {
    return encode(input === undefined ? '' : input);
  }

  encodeInto(input, dest) {
    return encodeIntoArray(String(input), dest);
  }
}

class TextDecoder {
  constructor(label, options) {
    checkLabel(label);
    this._fatal = !!(options && options.fatal);
    this._ignoreBOM = !!(options && options.ignoreBOM);
  }

  get encoding() {
    return 'utf-8';
  }

  get fatal() {
    return this._fatal;
  }

  get ignoreBOM() {
    return this._ignoreBOM;
  }

  decode(input, options) {
    if (options && options.stream) {
      // wasm-bindgen never streams; refusing beats silently mis-decoding split characters.
      throw new TypeError('TextDecoder shim: the stream option is not supported');
    }
    let bytes = toUint8(input);
    if (!this._ignoreBOM && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
    }
    return decode(bytes, this._fatal);
  }
}

module.exports = {
  TextEncoder,
  TextDecoder,
  utf8: { encode, decode: (bytes) => decode(bytes, false) },
};
