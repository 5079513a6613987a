'use strict';
/**
 * A peephole pass over a wasm binary that rewrites 64-bit memory moves into 32-bit ones, run
 * by scripts/build-fallback before wasm2js. wasm2js lowers every i64 value to a pair of i32
 * with a HIGH_BITS global and temporaries, which costs far more JavaScript than two i32 moves;
 * LLVM emits most struct copies as exactly such 8-byte moves.
 *
 * Two instruction sequences are rewritten, where A and B are each `local.get x` or
 * `i32.const k` (no inputs, no side effects, cheap to repeat):
 *
 *   A  B  i64.load m1  i64.store m2        (copy 8 bytes from B+m1.offset to A+m2.offset)
 *     →  B i32.load m1            local.set t          (low half of the source, to a fresh i32 local)
 *        A B i32.load m1+4  i32.store m2+4             (high half)
 *        A local.get t      i32.store m2               (low half)
 *
 *   A  i64.const C  i64.store m            (store the constant C)
 *     →  A i32.const hi(C) i32.store m+4
 *        A i32.const lo(C) i32.store m
 *
 * Why each is the same program:
 * - Both sequences take nothing from the operand stack and leave nothing on it, and wasm's
 *   structured control flow cannot branch into the middle of straight-line code, so they run
 *   as a unit in any context; the replacement has the same stack effect.
 * - Memory is little-endian: the low word of an i64 is at its address, the high word 4 bytes
 *   on; the halves move bit for bit.
 * - Both source words are read before either destination word is written, so overlapping
 *   source and destination (e.g. B = A + 4) copy what the original copies.
 * - Traps: the two loads trap exactly when the 8-byte load would (the second covers its end),
 *   and before any write. The high word is stored first: it traps exactly when the 8-byte
 *   store would, having written nothing; the low word is then in bounds.
 * - Alignment is only a hint in wasm; each half gets min(hint, 4). wasm2js splits an i64
 *   access into i32 accesses with the same hints itself, so its output reads memory the same
 *   way as before.
 * - t is a local added to the function, used only inside one such sequence at a time.
 * A sequence whose offset + 4 would not fit the 32-bit memarg offset is left alone, as is
 * every other i64 instruction (real i64 arithmetic, loads kept in locals, stores of i64
 * locals).
 *
 * Anything the decoder does not know (an opcode outside MVP, sign extension, non-trapping
 * float-to-int, bulk memory and reference types; multi-memory memargs; custom sections that
 * point into code) throws instead of being copied blindly.
 *
 *   node scripts/lib/split-i64-moves.js IN.wasm OUT.wasm   prints the counts
 */
const fs = require('fs');
const { Reader, parseModule, WasmFormatError } = require('./wasm-module');

const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, brTable: 0x0e, callIndirect: 0x11, selectT: 0x1c,
  localGet: 0x20, localSet: 0x21, i32Load: 0x28, i64Load: 0x29, i32Store: 0x36, i64Store: 0x37,
  i32Const: 0x41, i64Const: 0x42, f32Const: 0x43, f64Const: 0x44,
};
const BLOCKTYPE_BYTES = new Set([0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);
const MAX_OFFSET = 0xffffffff;

/**
 * Decodes one function body's instructions into {op, start, end, ...immediates} records.
 * Only the immediates the pass looks at are kept; the rest are skipped with their exact
 * encoding preserved (unchanged instructions are copied byte for byte).
 */
function decodeInstructions(r) {
  const out = [];
  while (r.pos < r.end) {
    const start = r.pos;
    const op = r.byte();
    const ins = { op, start, end: 0 };
    if (op === 0x00 || op === 0x01 || op === 0x05 || op === OP.end || op === 0x0f || op === 0x1a || op === 0x1b ||
        (op >= 0x45 && op <= 0xc4) || op === 0xd1) {
      // no immediates (0x45..0xc4: numeric instructions including sign extension)
    } else if (op === OP.block || op === OP.loop || op === OP.if) {
      const b = r.bytes[r.pos];
      if (BLOCKTYPE_BYTES.has(b)) r.pos++;
      else r.sleb(33);
    } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) {
      ins.index = r.uleb();
    } else if (op === OP.brTable) {
      for (let n = r.uleb(); n >= 0; n--) r.uleb(); // n targets and the default
    } else if (op === OP.callIndirect) {
      r.uleb();
      r.uleb();
    } else if (op === OP.selectT) {
      for (let n = r.uleb(); n > 0; n--) r.valtype();
    } else if (op >= 0x28 && op <= 0x3e) {
      ins.align = r.uleb();
      // bit 6 announces a memory index (multi-memory): not supported
      if (ins.align >= 64) r.fail('memarg with a memory index');
      ins.offset = r.uleb();
    } else if (op === 0x3f || op === 0x40) {
      if (r.byte() !== 0) r.fail('memory index other than 0');
    } else if (op === OP.i32Const) {
      ins.value = r.sleb(32);
    } else if (op === OP.i64Const) {
      ins.value = r.sleb64();
    } else if (op === OP.f32Const) {
      r.skip(4);
    } else if (op === OP.f64Const) {
      r.skip(8);
    } else if (op === 0xd0) {
      r.valtype();
    } else if (op === 0xfc) {
      const sub = r.uleb();
      if (sub <= 7) {
        // non-trapping float-to-int: no immediates
      } else if (sub === 8 || sub === 12 || sub === 14) {
        r.uleb();
        r.uleb(); // memory.init: data index, memory (a 0 byte, which is a valid LEB128 0)
      } else if (sub === 9 || sub === 11 || sub === 13 || (sub >= 15 && sub <= 17)) {
        r.uleb();
      } else if (sub === 10) {
        r.uleb();
        r.uleb();
      } else r.fail('unknown 0xfc instruction ' + sub);
    } else {
      r.fail('unsupported opcode 0x' + op.toString(16));
    }
    ins.end = r.pos;
    out.push(ins);
  }
  return out;
}

function uleb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** Signed LEB128 of a BigInt. */
function sleb(v) {
  const out = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** `local.get x` or `i32.const k`: an i32 operand with no inputs and no side effects. */
function isPureOperand(ins) {
  return ins && (ins.op === OP.localGet || ins.op === OP.i32Const);
}

function memarg(align, offset) {
  return [...uleb(Math.min(align, 2)), ...uleb(offset)];
}

/**
 * Rewrites one function body (locals and code). Returns null when nothing matched.
 * @param {Uint8Array} bytes
 * @param {number} start  first byte of the body (its local declarations)
 * @param {number} end
 * @param {number} paramCount
 */
function rewriteBody(bytes, start, end, paramCount, counts) {
  const r = new Reader(bytes, start, end);
  const groups = [];
  let localCount = paramCount;
  for (let n = r.uleb(); n > 0; n--) {
    const count = r.uleb();
    const type = r.byte();
    groups.push([count, type]);
    localCount += count;
  }
  const codeStart = r.pos;
  const ins = decodeInstructions(r);
  if (!ins.length || ins[ins.length - 1].op !== OP.end) r.fail('function body does not end with `end`');
  const temp = localCount; // index of the i32 local the copies use, if one is added
  const code = []; // Uint8Array slices of the original and arrays of new bytes
  let copied = codeStart;
  let moves = 0;
  let consts = 0;
  const src = (x) => Array.from(bytes.subarray(x.start, x.end));
  for (let i = 0; i < ins.length; i++) {
    const [a, b, c, d] = [ins[i], ins[i + 1], ins[i + 2], ins[i + 3]];
    if (isPureOperand(a) && isPureOperand(b) && c && c.op === OP.i64Load && d && d.op === OP.i64Store &&
        c.offset + 4 <= MAX_OFFSET && d.offset + 4 <= MAX_OFFSET) {
      code.push(bytes.subarray(copied, a.start));
      code.push([...src(b), OP.i32Load, ...memarg(c.align, c.offset), OP.localSet, ...uleb(temp)]);
      code.push([...src(a), ...src(b), OP.i32Load, ...memarg(c.align, c.offset + 4), OP.i32Store, ...memarg(d.align, d.offset + 4)]);
      code.push([...src(a), OP.localGet, ...uleb(temp), OP.i32Store, ...memarg(d.align, d.offset)]);
      copied = d.end;
      i += 3;
      moves++;
    } else if (isPureOperand(a) && b && b.op === OP.i64Const && c && c.op === OP.i64Store && c.offset + 4 <= MAX_OFFSET) {
      const v = BigInt.asUintN(64, b.value);
      const lo = BigInt.asIntN(32, v);
      const hi = BigInt.asIntN(32, v >> 32n);
      code.push(bytes.subarray(copied, a.start));
      code.push([...src(a), OP.i32Const, ...sleb(hi), OP.i32Store, ...memarg(c.align, c.offset + 4)]);
      code.push([...src(a), OP.i32Const, ...sleb(lo), OP.i32Store, ...memarg(c.align, c.offset)]);
      copied = c.end;
      i += 2;
      consts++;
    }
  }
  if (!moves && !consts) return null;
  counts.moves += moves;
  counts.consts += consts;
  code.push(bytes.subarray(copied, end));
  if (moves) groups.push([1, 0x7f]);
  const locals = [...uleb(groups.length)];
  for (const [count, type] of groups) locals.push(...uleb(count), type);
  return Buffer.concat([Uint8Array.from(locals), ...code.map((p) => Uint8Array.from(p))]);
}

/**
 * @param {Uint8Array} bytes  a wasm module
 * @returns {{bytes: Uint8Array, moves: number, consts: number}}  the rewritten module and how
 *   many 8-byte moves and constant stores it split
 */
function splitI64Moves(bytes) {
  const mod = parseModule(bytes);
  const importedFuncs = mod.imports.filter((i) => i.kind === 'func').length;
  const counts = { moves: 0, consts: 0 };
  const parts = [bytes.subarray(0, 8)];
  const top = new Reader(bytes, 8, bytes.length);
  while (top.pos < top.end) {
    const sectionStart = top.pos;
    const id = top.byte();
    const size = top.uleb();
    const end = top.pos + size;
    if (id === 0) {
      const name = new Reader(bytes, top.pos, end).name();
      // Sections that address code by byte offset would be wrong after the rewrite.
      if (/^(reloc\.|linking$|\.debug_|sourceMappingURL$|external_debug_info$)/.test(name)) {
        top.fail('custom section "' + name + '" refers to code offsets');
      }
    }
    if (id !== 10) {
      parts.push(bytes.subarray(sectionStart, end));
      top.pos = end;
      continue;
    }
    const r = new Reader(bytes, top.pos, end);
    const count = r.uleb();
    if (count !== mod.functions.length) r.fail('code section count differs from the function section');
    const bodies = [];
    for (let f = 0; f < count; f++) {
      const bodySize = r.uleb();
      const bodyStart = r.pos;
      const bodyEnd = bodyStart + bodySize;
      if (bodyEnd > end) r.fail('function body runs past its section');
      const type = mod.types[mod.functions[f]];
      if (!type) r.fail('function ' + (importedFuncs + f) + ' has no type');
      const body = rewriteBody(bytes, bodyStart, bodyEnd, type.params.length, counts) || bytes.subarray(bodyStart, bodyEnd);
      bodies.push(Uint8Array.from(uleb(body.length)), body);
      r.pos = bodyEnd;
    }
    if (r.pos !== end) r.fail('code section has trailing bytes');
    const content = [Uint8Array.from(uleb(count)), ...bodies];
    const contentSize = content.reduce((s, p) => s + p.length, 0);
    parts.push(Uint8Array.from([id, ...uleb(contentSize)]), ...content);
    top.pos = end;
  }
  return { bytes: Buffer.concat(parts), moves: counts.moves, consts: counts.consts };
}

module.exports = { splitI64Moves, WasmFormatError };

if (require.main === module) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: split-i64-moves.js IN.wasm OUT.wasm\n');
    process.exit(2);
  }
  const r = splitI64Moves(new Uint8Array(fs.readFileSync(input)));
  fs.writeFileSync(output, r.bytes);
  process.stdout.write(`split ${r.moves} i64 moves and ${r.consts} i64 constant stores\n`);
}
