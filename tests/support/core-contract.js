'use strict';
/**
 * The wasm boundary as each side declares it, read from the sources (so the checks run
 * without a build) and, when built, from the module itself:
 *
 * - Rust: the event kinds of `mod kind` and every `#[no_mangle]` `mq_` export of
 *   src/wasm/mod.rs, the `clock_calls!` ones included, with their parameter types;
 * - JS: the exports js-glue/core/flat-core.js and js-glue/core-loader.js call, the `Core`
 *   class' methods (read off a Core bound to a stand-in module, as scripts/bundle.js does);
 * - the module: build/wasm/mpmqtt_bg.wasm's exports and imports with their signatures.
 *
 * tests/js/core/boundary-contract.test.js compares them; tests/js/client/helpers.js builds the
 * scripted FakeCore from `coreMethods()` and `passThroughArity()`.
 */
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const WASM_RS = path.join(REPO, 'src', 'wasm', 'mod.rs');
const FLAT_CORE = path.join(REPO, 'js-glue', 'core', 'flat-core.js');
const CORE_LOADER = path.join(REPO, 'js-glue', 'core-loader.js');
const BUILT_WASM = path.join(REPO, 'build', 'wasm', 'mpmqtt_bg.wasm');

const read = (file) => fs.readFileSync(file, 'utf8');

/** @returns {Object<string, number>} `mod kind`'s constants, e.g. {OPEN_TRANSPORT: 1, ...} */
function rustEventKinds(source = read(WASM_RS)) {
  const body = /\bmod kind\s*\{([^}]*)\}/.exec(source);
  if (!body) throw new Error('src/wasm/mod.rs: no `mod kind { ... }` found');
  const kinds = {};
  for (const m of body[1].matchAll(/pub const (\w+)\s*:\s*u32\s*=\s*(\d+)\s*;/g)) kinds[m[1]] = Number(m[2]);
  if (Object.keys(kinds).length === 0) throw new Error('src/wasm/mod.rs: `mod kind` has no `pub const NAME: u32 = N;`');
  return kinds;
}

/** `name: Type, ...` as [{name, type}]; the Rust parameter lists here hold no commas in types. */
function parseParams(list) {
  return list.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const colon = p.indexOf(':');
    if (colon < 0) throw new Error('unreadable Rust parameter: ' + p);
    return { name: p.slice(0, colon).trim(), type: p.slice(colon + 1).trim() };
  });
}

/**
 * Every `mq_` export of src/wasm/mod.rs.
 * @returns {Map<string, {params: {name: string, type: string}[], result: string}>}
 */
function rustExports(source = read(WASM_RS)) {
  const out = new Map();
  const fnRe = /#\[no_mangle\]\s*pub\s+(?:unsafe\s+)?extern\s+"C"\s+fn\s+(mq_\w+)\s*\(([^)]*)\)\s*(?:->\s*([^{]+?))?\s*\{/g;
  for (const m of source.matchAll(fnRe)) out.set(m[1], { params: parseParams(m[2]), result: m[3] || '' });
  // Exports a macro writes: its template's signature, once per `mq_x => method` entry.
  const macro = /macro_rules!\s*clock_calls\s*\{[^]*?pub\s+extern\s+"C"\s+fn\s+\$export\s*\(([^)]*)\)\s*(?:->\s*([^{]+?))?\s*\{/.exec(source);
  const calls = /\bclock_calls!\s*\(([^)]*)\)/.exec(source);
  if (calls) {
    if (!macro) throw new Error('src/wasm/mod.rs: clock_calls! is used but its template was not found');
    for (const m of calls[1].matchAll(/(mq_\w+)\s*=>\s*\w+/g)) out.set(m[1], { params: parseParams(macro[1]), result: macro[2] || '' });
  }
  if (out.size === 0) throw new Error('src/wasm/mod.rs: no #[no_mangle] mq_ exports found');
  return out;
}

/** The wasm value type a Rust parameter or result of the flat ABI becomes. */
function wasmType(rustType) {
  if (rustType === '') return null;
  if (rustType === 'f64') return 'f64';
  if (rustType === 'f32' || rustType === 'i64' || rustType === 'u64') throw new Error('the flat ABI has no ' + rustType);
  return 'i32'; // pointers, references, usize, u32, u16, u8, bool
}

/** The `mq_` exports the glue calls: `wasm.mq_x` in flat-core.js, `exports.mq_x` in the loader. */
function glueCalls() {
  const names = new Set();
  for (const m of read(FLAT_CORE).matchAll(/\bwasm\.(mq_\w+)/g)) names.add(m[1]);
  for (const m of read(CORE_LOADER).matchAll(/\bexports\.(mq_\w+)/g)) names.add(m[1]);
  return names;
}

/** The Core class flat-core.js builds, over a stand-in module that has every function. */
function standInCore() {
  const { coreClass } = require('../../js-glue/core/flat-core');
  const standIn = new Proxy({}, { get: (_, name) => (name === 'memory' ? { buffer: new ArrayBuffer(8) } : () => 0) });
  return coreClass(standIn);
}

/** @returns {string[]} the real Core's methods, sorted; its private helpers (`_name`) are no part of the contract */
function coreMethods() {
  return Object.getOwnPropertyNames(standInCore().prototype).filter((n) => n !== 'constructor' && !n.startsWith('_')).sort();
}

/**
 * How many arguments each Core method that passes numbers straight through takes (after the
 * handle): the Rust export `mq_<method>` of the same name without pointer parameters. The
 * others (publish, subscribe, ...) convert their arguments; their count is the JS method's.
 * @returns {Map<string, number>}
 */
function coreArity() {
  const exports = rustExports();
  const proto = standInCore().prototype;
  const arity = new Map();
  for (const name of coreMethods()) {
    const exp = exports.get('mq_' + name);
    const plain = exp && exp.params.length > 0 && exp.params[0].type === '&mut Core' && !exp.params.some((p) => p.type.startsWith('*'));
    arity.set(name, plain ? exp.params.length - 1 : proto[name].length);
  }
  return arity;
}

/** The built module's functions, with their wasm signatures; null when not built. */
function builtModule(file = BUILT_WASM) {
  if (!fs.existsSync(file)) return null;
  const { parseModule, functionType } = require('../../scripts/lib/wasm-module');
  const mod = parseModule(new Uint8Array(fs.readFileSync(file)));
  const exports = new Map();
  for (const e of mod.exports) if (e.kind === 'func') exports.set(e.name, functionType(mod, e.index));
  const imports = mod.imports.filter((i) => i.kind === 'func').map((i) => ({ module: i.module, name: i.name, type: mod.types[i.type] }));
  return { exports, imports };
}

module.exports = { REPO, BUILT_WASM, rustEventKinds, rustExports, wasmType, glueCalls, coreMethods, coreArity, builtModule };
