'use strict';
/**
 * A small reader for the parts of a WebAssembly binary that describe its JS boundary:
 * the type, import, function and export sections. It reads only what our artifact rules
 * need (which exports are Globals, which boundary functions carry i64) and refuses
 * anything it does not understand rather than guessing, so a malformed or exotic module
 * makes the check fail instead of slipping through.
 *
 *   node scripts/lib/wasm-module.js FILE.wasm [--global-exports]
 *     prints the boundary as JSON, or only the names of exported Globals (one a line)
 */
const fs = require('fs');

const VALTYPES = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};
const EXTERNAL_KINDS = ['func', 'table', 'memory', 'global', 'tag'];

class WasmFormatError extends Error {}

/** Sequential reader over a byte range with bounds checks on every read. */
class Reader {
  constructor(bytes, start, end) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  fail(what) {
    throw new WasmFormatError(`${what} at byte offset ${this.pos}`);
  }

  byte() {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128; at most `bits` bits (32 for indices and lengths). */
  uleb(bits = 32) {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < Math.ceil(bits / 7); i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (result >= 2 ** bits) this.fail(`LEB128 value exceeds ${bits} bits`);
        return result;
      }
      scale *= 128;
    }
    return this.fail('LEB128 value too long');
  }

  name() {
    const len = this.uleb();
    if (this.pos + len > this.end) this.fail('name runs past its section');
    const raw = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    // Export names must be valid UTF-8; `fatal` turns a bad name into a format error.
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch (_) {
      return this.fail('name is not valid UTF-8');
    }
  }

  valtype() {
    const code = this.byte();
    const t = VALTYPES[code];
    if (!t) this.fail(`unsupported value type 0x${code.toString(16)}`);
    return t;
  }

  limits() {
    const flags = this.byte();
    // bit 0: has maximum, bit 1: shared (threads), bit 2: 64-bit (memory64).
    if (flags & ~0x07) this.fail(`unsupported limits flags 0x${flags.toString(16)}`);
    const bits = flags & 0x04 ? 64 : 32;
    const min = this.uleb(bits);
    const max = flags & 0x01 ? this.uleb(bits) : undefined;
    return { min, max, shared: Boolean(flags & 0x02), memory64: Boolean(flags & 0x04) };
  }
}

/**
 * @param {Uint8Array} bytes a whole .wasm file
 * @returns {{types: {params: string[], results: string[]}[],
 *            imports: {module: string, name: string, kind: string, type?: number, valtype?: string, mutable?: boolean}[],
 *            functions: number[],
 *            exports: {name: string, kind: string, index: number}[]}}
 *   `functions` holds the type index of each function defined in the module (not imported).
 */
function parseModule(bytes) {
  if (bytes.length < 8) throw new WasmFormatError('file too short to be a wasm module');
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (!magic.every((b, i) => bytes[i] === b)) throw new WasmFormatError('missing \\0asm magic: not a wasm module');
  const version = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
  if (version !== 1) throw new WasmFormatError(`unsupported wasm binary version ${version}`);

  const mod = { types: [], imports: [], functions: [], exports: [] };
  const seen = new Set();
  const top = new Reader(bytes, 8, bytes.length);
  while (top.pos < top.end) {
    const id = top.byte();
    const size = top.uleb();
    const start = top.pos;
    const end = start + size;
    if (end > bytes.length) top.fail(`section ${id} runs past the end of the file`);
    if (id !== 0) {
      if (seen.has(id)) top.fail(`duplicate section ${id}`);
      seen.add(id);
    }
    const r = new Reader(bytes, start, end);
    if (id === 1) readTypes(r, mod);
    else if (id === 2) readImports(r, mod);
    else if (id === 3) readFunctions(r, mod);
    else if (id === 7) readExports(r, mod);
    if ((id >= 1 && id <= 3) || id === 7) {
      if (r.pos !== end) r.fail(`section ${id} has ${end - r.pos} trailing bytes`);
    }
    top.pos = end;
  }
  return mod;
}

function readTypes(r, mod) {
  const count = r.uleb();
  for (let i = 0; i < count; i++) {
    const form = r.byte();
    // 0x60 is the only MVP type form; GC-proposal forms (rec groups, structs, arrays) are refused.
    if (form !== 0x60) r.fail(`unsupported type form 0x${form.toString(16)} (only func types are allowed)`);
    const params = [];
    for (let n = r.uleb(); n > 0; n--) params.push(r.valtype());
    const results = [];
    for (let n = r.uleb(); n > 0; n--) results.push(r.valtype());
    mod.types.push({ params, results });
  }
}

function readImports(r, mod) {
  const count = r.uleb();
  for (let i = 0; i < count; i++) {
    const imp = { module: r.name(), name: r.name() };
    const kind = r.byte();
    imp.kind = EXTERNAL_KINDS[kind];
    if (kind === 0) imp.type = r.uleb();
    else if (kind === 1) {
      imp.valtype = r.valtype();
      imp.limits = r.limits();
    } else if (kind === 2) imp.limits = r.limits();
    else if (kind === 3) {
      imp.valtype = r.valtype();
      const mut = r.byte();
      if (mut > 1) r.fail(`bad global mutability ${mut}`);
      imp.mutable = mut === 1;
    } else if (kind === 4) {
      r.byte(); // tag attribute (always 0: exception)
      imp.type = r.uleb();
    } else r.fail(`unknown import kind ${kind}`);
    mod.imports.push(imp);
  }
}

function readFunctions(r, mod) {
  const count = r.uleb();
  for (let i = 0; i < count; i++) mod.functions.push(r.uleb());
}

function readExports(r, mod) {
  const count = r.uleb();
  for (let i = 0; i < count; i++) {
    const name = r.name();
    const kind = r.byte();
    if (kind >= EXTERNAL_KINDS.length) r.fail(`unknown export kind ${kind}`);
    mod.exports.push({ name, kind: EXTERNAL_KINDS[kind], index: r.uleb() });
  }
}

/**
 * The signature of function `index` in the module's function index space
 * (imported functions first, then defined ones).
 */
function functionType(mod, index) {
  const imported = mod.imports.filter((i) => i.kind === 'func');
  const typeIndex = index < imported.length ? imported[index].type : mod.functions[index - imported.length];
  if (typeIndex === undefined) throw new WasmFormatError(`function index ${index} does not exist`);
  const type = mod.types[typeIndex];
  if (!type) throw new WasmFormatError(`type index ${typeIndex} does not exist`);
  return type;
}

/** Human-readable `(i32, f64) -> i32`. */
function formatType(type) {
  return `(${type.params.join(', ')}) -> ${type.results.length ? type.results.join(', ') : '()'}`;
}

function readModuleFile(file) {
  return parseModule(new Uint8Array(fs.readFileSync(file)));
}

module.exports = { parseModule, readModuleFile, functionType, formatType, Reader, WasmFormatError };

if (require.main === module) {
  const [file, flag] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: wasm-module.js FILE.wasm [--global-exports]\n');
    process.exit(2);
  }
  try {
    const mod = readModuleFile(file);
    if (flag === '--global-exports') {
      for (const e of mod.exports) if (e.kind === 'global') process.stdout.write(`${e.name}\n`);
    } else {
      process.stdout.write(`${JSON.stringify(mod, null, 1)}\n`);
    }
  } catch (e) {
    process.stderr.write(`wasm-module: ${file}: ${e.message}\n`);
    process.exit(1);
  }
}
