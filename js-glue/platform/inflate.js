'use strict';
/**
 * Raw DEFLATE (RFC 1951) decoder. The embedded wasm module (mqtt.wasm.js, for Alipay and
 * browsers) carries the core deflated before base64: less than half the size of plain
 * base64, for about 2 KB of decoder. Table-driven so that engines without a JIT (iOS)
 * decode a few hundred KB quickly.
 */

// Base values and extra bits of the length symbols 257..285 and the distance symbols 0..29
// (RFC 1951 3.2.5): each base is the previous one plus the range of its extra bits; length
// symbol 285 is the exception, 258 with no extra bits.
const LEN_BASE = [];
const LEN_EXTRA = [];
const DIST_BASE = [];
const DIST_EXTRA = [];
for (let i = 0, len = 3, dist = 1; i < 30; i++) {
  const le = i < 8 || i > 27 ? 0 : (i - 4) >> 2;
  LEN_EXTRA[i] = le;
  LEN_BASE[i] = i === 28 ? 258 : len;
  len += 1 << le;
  const de = i < 4 ? 0 : (i - 2) >> 1;
  DIST_EXTRA[i] = de;
  DIST_BASE[i] = dist;
  dist += 1 << de;
}
// Order in which code length code lengths are stored.
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

function corrupt(why) {
  return new Error('inflate: corrupt data (' + why + ')');
}

/**
 * A lookup table indexed by the next `bits` input bits (LSB first). Each entry is
 * (symbol << 4) | code length; 0 marks a bit pattern that is no code.
 */
function buildTable(lengths) {
  let max = 0;
  const count = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) {
    count[lengths[i]]++;
    if (lengths[i] > max) max = lengths[i];
  }
  const size = 1 << max;
  const table = new Int32Array(size);
  if (max === 0) return { table, bits: 0 };
  count[0] = 0;
  const next = new Uint16Array(16);
  let code = 0;
  for (let len = 1; len <= max; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  if (next[max] + count[max] > size) throw corrupt('over-subscribed code');
  for (let sym = 0; sym < lengths.length; sym++) {
    const len = lengths[sym];
    if (len === 0) continue;
    // Huffman codes are packed MSB first into an LSB-first stream: index by the reversed code.
    let c = next[len]++;
    let rev = 0;
    for (let i = 0; i < len; i++) {
      rev = (rev << 1) | (c & 1);
      c >>= 1;
    }
    const entry = (sym << 4) | len;
    for (let j = rev; j < size; j += 1 << len) table[j] = entry;
  }
  return { table, bits: max };
}

let FIXED = null;
function fixedTables() {
  if (FIXED) return FIXED;
  const lit = new Uint8Array(288);
  lit.fill(8, 0, 144);
  lit.fill(9, 144, 256);
  lit.fill(7, 256, 280);
  lit.fill(8, 280, 288);
  FIXED = { lit: buildTable(lit), dist: buildTable(new Uint8Array(30).fill(5)) };
  return FIXED;
}

/**
 * @param {Uint8Array} src  raw DEFLATE stream (no zlib or gzip header)
 * @param {number} size     exact decompressed size (the producer records it)
 * @returns {Uint8Array}
 * @throws {Error} on corrupt input or a size mismatch
 */
function inflateRaw(src, size) {
  const out = new Uint8Array(size);
  let o = 0;
  let pos = 0;
  let bitbuf = 0;
  let bitcnt = 0;
  // Past the end of input we feed zeros and let the bounds and size checks catch truncation.
  const need = (n) => {
    while (bitcnt < n) {
      bitbuf |= (pos < src.length ? src[pos] : 0) << bitcnt;
      pos++;
      bitcnt += 8;
    }
  };
  const bits = (n) => {
    need(n);
    const v = bitbuf & ((1 << n) - 1);
    bitbuf >>>= n;
    bitcnt -= n;
    return v;
  };
  const decode = (t) => {
    need(t.bits);
    const e = t.table[bitbuf & ((1 << t.bits) - 1)];
    const len = e & 15;
    if (len === 0) throw corrupt('invalid code');
    bitbuf >>>= len;
    bitcnt -= len;
    return e >> 4;
  };

  let last = 0;
  while (!last) {
    if (pos > src.length + 4) throw corrupt('truncated');
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored: skip to the byte boundary, giving back whole bytes read ahead.
      bitbuf = 0;
      pos -= bitcnt >> 3;
      bitcnt = 0;
      if (pos + 4 > src.length) throw corrupt('truncated stored block');
      const len = src[pos] | (src[pos + 1] << 8);
      const nlen = src[pos + 2] | (src[pos + 3] << 8);
      if ((len ^ 0xffff) !== nlen) throw corrupt('stored length check');
      pos += 4;
      if (pos + len > src.length || o + len > size) throw corrupt('stored block overrun');
      out.set(src.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let lit;
    let dist;
    if (type === 1) {
      const f = fixedTables();
      lit = f.lit;
      dist = f.dist;
    } else if (type === 2) {
      const hlit = bits(5) + 257;
      const hdist = bits(5) + 1;
      const hclen = bits(4) + 4;
      const clLengths = new Uint8Array(19);
      for (let i = 0; i < hclen; i++) clLengths[CL_ORDER[i]] = bits(3);
      const cl = buildTable(clLengths);
      if (cl.bits === 0) throw corrupt('empty code length code');
      const lengths = new Uint8Array(hlit + hdist);
      for (let i = 0; i < hlit + hdist; ) {
        const sym = decode(cl);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let repeat;
        let value = 0;
        if (sym === 16) {
          if (i === 0) throw corrupt('repeat without a previous length');
          value = lengths[i - 1];
          repeat = 3 + bits(2);
        } else if (sym === 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        if (i + repeat > hlit + hdist) throw corrupt('code lengths overrun');
        while (repeat--) lengths[i++] = value;
      }
      if (lengths[256] === 0) throw corrupt('no end-of-block code');
      lit = buildTable(lengths.subarray(0, hlit));
      dist = buildTable(lengths.subarray(hlit));
    } else {
      throw corrupt('block type 3');
    }
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        if (o >= size) throw corrupt('output overrun');
        out[o++] = sym;
      } else if (sym === 256) {
        break;
      } else {
        const li = sym - 257;
        if (li >= 29) throw corrupt('length symbol');
        const len = LEN_BASE[li] + bits(LEN_EXTRA[li]);
        if (dist.bits === 0) throw corrupt('distance without a distance code');
        const di = decode(dist);
        if (di >= 30) throw corrupt('distance symbol');
        const d = DIST_BASE[di] + bits(DIST_EXTRA[di]);
        if (d > o) throw corrupt('distance before start');
        if (o + len > size) throw corrupt('output overrun');
        for (let k = 0; k < len; k++, o++) out[o] = out[o - d];
      }
    }
  }
  if (o !== size) throw corrupt('size ' + o + ' instead of ' + size);
  return out;
}

module.exports = { inflateRaw };
