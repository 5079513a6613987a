'use strict';
/**
 * Routes the under-aligned memory accesses of a module through one small function per kind of
 * access, before wasm2js turns the module into JavaScript (scripts/build-fallback).
 *
 * Why: JavaScript's typed arrays only address aligned elements, so wasm2js spells every
 * `i64.load align=1` as eight byte loads glued with shifts and ors (about 200 bytes of
 * minified JS, and `i32.load align=1` about 50). LLVM emits such accesses wherever it copies a
 * byte-aligned value of 4-12 bytes (enum payloads, byte arrays); the core has a few hundred of
 * them, about 22 KB of the fallback. Behind a call, each site costs a few bytes and the byte
 * glue is written once per kind. Accesses of at least 4-byte alignment stay as they are: wasm2js
 * turns those into one or two whole-word typed-array accesses.
 *
 * The address is the same: the call passes the static offset and the pointer, and the
 * function adds them with i32.add, which is what wasm2js itself emits for `offset=` (it wraps
 * where WebAssembly would trap, for an address past 4 GiB that the core never forms). The
 * module is WebAssembly text as binaryen's wasm-dis prints it (folded, one access head per
 * `(op offset=N align=M` token); data segments are skipped, so their bytes are never touched.
 */

/** Integer accesses. Floats are left as wasm2js writes them (correct, only longer); the core has no under-aligned ones. */
const ACCESS = /\((i32|i64)\.(load|store)(8|16|32)?(_[su])?(?: offset=(\d+))? align=(\d+)(?=[\s)]|$)/g;
const NATURAL_WIDTH = { i32: 4, i64: 8 };
const HELPER_PREFIX = '$mpmqtt_unaligned_';

/**
 * @param {string} wat  module text from `wasm-dis`
 * @returns {{wat: string, rewritten: number, helpers: string[]}}
 */
function outlineUnalignedAccesses(wat) {
  if (wat.includes(HELPER_PREFIX)) throw new Error('outline-unaligned: the module already has ' + HELPER_PREFIX + '* functions');
  const end = wat.trimEnd();
  if (!/^\(module\b/.test(wat.trimStart()) || !end.endsWith(')')) throw new Error('outline-unaligned: not a module printed by wasm-dis');
  const helpers = new Map(); // name -> definition
  let rewritten = 0;
  const lines = end.slice(0, -1).split('\n').map((line) => {
    if (/^\s*\(data\b/.test(line)) return line;
    return line.replace(ACCESS, (head, type, kind, bits, sign, offset, align) => {
      const width = bits ? Number(bits) / 8 : NATURAL_WIDTH[type];
      // wasm2js splits an access only when its alignment is below both its width and 4.
      if (Number(align) >= Math.min(width, 4)) return head;
      const op = type + '.' + kind + (bits || '') + (sign || '');
      const name = HELPER_PREFIX + op.replace('.', '_') + '_align' + align;
      if (!helpers.has(name)) helpers.set(name, helperFunction(name, op, type, kind, align));
      rewritten++;
      return '(call ' + name + ' (i32.const ' + (offset || '0') + ')';
    });
  });
  return { wat: lines.join('\n') + '\n' + [...helpers.values()].join('\n') + '\n)\n', rewritten, helpers: [...helpers.keys()] };
}

/** The one place an access of this kind is spelled out: at the pointer plus the offset. */
function helperFunction(name, op, type, kind, align) {
  const address = '(i32.add (local.get $pointer) (local.get $offset))';
  return kind === 'load'
    ? ` (func ${name} (param $offset i32) (param $pointer i32) (result ${type})\n  (${op} align=${align} ${address}))`
    : ` (func ${name} (param $offset i32) (param $pointer i32) (param $value ${type})\n  (${op} align=${align} ${address} (local.get $value)))`;
}

module.exports = { outlineUnalignedAccesses };
