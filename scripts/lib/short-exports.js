'use strict';
/**
 * Short export names for the shipped core. The flat boundary (`mq_new`, `mq_ev_code`, ...)
 * is read by name: each name is written once in the wasm's export section and once in the
 * bundle that calls it, and WeChat counts that bundle byte for byte. The files in dist/ (the
 * wasm in every form, mqtt.fallback.js, every mqtt.min.js) therefore call the `mq_` exports
 * by one- or two-letter names; build/wasm and the unbundled glue keep the readable ones.
 *
 * The names follow from the module alone (its `mq_` exports in sorted order), so every file
 * built from one module agrees without sharing a table.
 */
const { parseModule, Reader, WasmFormatError } = require('./wasm-module');

const PREFIX = 'mq_';
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const EXPORT_SECTION = 7;
const KIND_CODES = { func: 0, table: 1, memory: 2, global: 3, tag: 4 };

/** a, b, ..., Z, then aa, ab, ...: the i-th short name. */
function shortName(i) {
  let name = '';
  let n = i;
  do {
    name = LETTERS[n % LETTERS.length] + name;
    n = Math.floor(n / LETTERS.length) - 1;
  } while (n >= 0);
  return name;
}

/**
 * @param {Uint8Array} wasm
 * @returns {Map<string, string>} each `mq_` export's short name
 */
function exportRenames(wasm) {
  const names = parseModule(wasm).exports.map((e) => e.name);
  const taken = new Set(names);
  const renames = new Map();
  let next = 0;
  for (const name of names.filter((n) => n.startsWith(PREFIX)).sort()) {
    let short;
    do short = shortName(next++);
    while (taken.has(short));
    renames.set(name, short);
  }
  return renames;
}

/** Unsigned LEB128 bytes of `value`. */
function uleb(value) {
  const out = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

/**
 * The module with its exports renamed (everything else byte for byte the same).
 * @param {Uint8Array} wasm
 * @param {Map<string, string>} renames
 * @returns {Buffer}
 */
function renameExports(wasm, renames) {
  const bytes = Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength);
  const exports = parseModule(bytes).exports;
  const body = [...uleb(exports.length)];
  for (const e of exports) {
    const name = Buffer.from(renames.get(e.name) || e.name, 'utf8');
    body.push(...uleb(name.length), ...name, KIND_CODES[e.kind], ...uleb(e.index));
  }
  const parts = [bytes.subarray(0, 8)];
  const r = new Reader(bytes, 8, bytes.length);
  let replaced = 0;
  while (r.pos < r.end) {
    const start = r.pos;
    const id = r.byte();
    const size = r.uleb();
    if (r.pos + size > r.end) r.fail('section ' + id + ' runs past the end of the file');
    r.pos += size;
    if (id === EXPORT_SECTION) {
      parts.push(Buffer.from([EXPORT_SECTION, ...uleb(body.length), ...body]));
      replaced++;
    } else {
      parts.push(bytes.subarray(start, r.pos));
    }
  }
  if (replaced !== 1) throw new WasmFormatError('expected one export section, found ' + replaced);
  return Buffer.concat(parts);
}

/**
 * A bundle's calls of the core (`wasm.mq_new`) with the short names. Every `mq_` name left
 * afterwards must be an import (which keeps its name), or the bundle would call something the
 * module no longer exports.
 * @param {string} code
 * @param {Map<string, string>} renames
 * @param {Iterable<string>} imports  the module's import names
 */
function renameExportUses(code, renames, imports) {
  const out = code.replace(/\.(mq_[A-Za-z0-9_]+)\b/g, (all, name) => (renames.has(name) ? '.' + renames.get(name) : all));
  const keep = new Set(imports);
  const left = [...new Set(out.match(/\bmq_[A-Za-z0-9_]+/g) || [])].filter((n) => !keep.has(n));
  if (left.length) throw new Error('the bundle still names core exports the short names do not cover: ' + left.join(', '));
  return out;
}

/**
 * Exports of a renamed module under their readable names, for code that is not bundled
 * (the unbundled glue in tests and smoke checks driving a file from dist/).
 * @param {object} exports  instance exports of a renamed module
 * @param {Map<string, string>} renames
 */
function withReadableNames(exports, renames) {
  const readable = Object.assign({}, exports);
  for (const [name, short] of renames) {
    if (!(short in exports)) throw new Error('the module exports no ' + short + ' (' + name + ')');
    delete readable[short];
    readable[name] = exports[short];
  }
  return readable;
}

module.exports = { exportRenames, renameExports, renameExportUses, withReadableNames, shortName, uleb };
