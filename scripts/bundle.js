#!/usr/bin/env node
'use strict';
/**
 * Builds the shipped files into dist/ (or --out-dir):
 *
 *   mqtt.min.js    js-glue + wasm-bindgen's shims, minified ES2017, UMD-like: require() and
 *                  `import mqtt from` get the callable connect, a <script> defines `mqtt`
 *   mqtt.wasm.br   the core, brotli-compressed, for WXWebAssembly (WeChat)
 *   mqtt.wasm      the core for Node
 *   mqtt.wasm.js   the core deflated, as base64 in a JS module (Alipay, browsers)
 *   mqtt.min.d.ts  the typings (js-glue/index.d.ts)
 *   mqtt-store.js  the optional Store on the platform's storage (js-glue/store/persistent-store.js),
 *                  also in wx/ and my/: only pages that persist their outgoing messages ship it
 *
 * and the one-platform builds a mini-program page ships (each with only its platform module,
 * README "Which files"):
 *
 *   wx/  mqtt.min.js (WeChat only), mqtt.wasm.br, mqtt.min.d.ts
 *   my/  mqtt.min.js (Alipay only), mqtt.wasm.js, mqtt.min.d.ts (scripts/build-fallback adds
 *        mqtt.fallback.js for Alipay runtimes without WebAssembly)
 *
 * usage: node scripts/bundle.js [--wasm-dir build/wasm] [--out-dir dist] [--entry js-glue/index.js]
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const { exportRenames, renameExports, renameExportUses } = require('./lib/short-exports');
const { parseModule } = require('./lib/wasm-module');

const ROOT = path.resolve(__dirname, '..');
const BINDGEN_BASENAME = 'mpmqtt_bg';
/** Global a <script src="mqtt.wasm.js"> defines; js-glue/platform/embedded-wasm.js reads it. */
const WASM_GLOBAL = 'mpmqttWasm';

/**
 * The one-platform builds: `select` replaces js-glue/platform/index.js, `core` is the core
 * file the page ships beside mqtt.min.js, `requires` the runtime requires the bundle keeps.
 */
const PLATFORM_BUILDS = {
  // No mqtt.fallback.js: WeChat has WXWebAssembly from base library 2.14.0 on (js-glue/platform/no-fallback.js).
  wx: { select: 'js-glue/platform/wx-only.js', core: 'mqtt.wasm.br', requires: [] },
  my: { select: 'js-glue/platform/my-only.js', core: 'mqtt.wasm.js', requires: ['mqtt.wasm.js', 'mqtt.fallback.js'] },
};
/** The universal build's runtime requires. */
const UNIVERSAL_REQUIRES = ['mqtt.wasm.js', 'mqtt.fallback.js'];

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const key = { '--wasm-dir': 'wasmDir', '--out-dir': 'outDir', '--entry': 'entry' }[flag];
    if (!key || i + 1 >= argv.length) throw new Error('usage: bundle.js [--wasm-dir DIR] [--out-dir DIR] [--entry FILE] (bad argument ' + flag + ')');
    opts[key] = path.resolve(argv[++i]);
  }
  return opts;
}

/**
 * esbuild plugin: the core loader's require of the bindgen shims goes to --wasm-dir, and the
 * embedded-wasm module stays a runtime require resolved beside mqtt.min.js.
 */
function mpmqttResolver(wasmDir, platformSelect) {
  return {
    name: 'mpmqtt-resolver',
    setup(build) {
      if (platformSelect) {
        const index = path.join(ROOT, 'js-glue', 'platform', 'index.js');
        build.onResolve({ filter: /^\.\.\/platform$/ }, (args) => {
          const target = path.resolve(args.resolveDir, args.path, 'index.js');
          return target === index ? { path: path.join(ROOT, platformSelect) } : undefined;
        });
      }
      if (platformSelect) {
        // Options and exports pages rarely use stay in the universal build
        // (js-glue/client/extras.js).
        const extras = path.join(ROOT, 'js-glue', 'client', 'extras.js');
        build.onResolve({ filter: /(^|\/)extras$/ }, (args) => {
          const target = path.resolve(args.resolveDir, args.path + '.js');
          return target === extras ? { path: path.join(ROOT, 'js-glue', 'client', 'extras-absent.js') } : undefined;
        });
      }
      build.onResolve({ filter: /(^|\/)build\/wasm\/mpmqtt_bg\.js$/ }, () => ({ path: path.join(wasmDir, BINDGEN_BASENAME + '.js') }));
      build.onResolve({ filter: /^\.\/mqtt\.wasm\.js$/ }, () => ({ path: './mqtt.wasm.js', external: true }));
      // --- no-WebAssembly fallback (scripts/build-fallback) ---
      // mqtt.fallback.js stays a runtime require beside mqtt.min.js, like mqtt.wasm.js.
      build.onResolve({ filter: /^\.\/mqtt\.fallback\.js$/ }, () => ({ path: './mqtt.fallback.js', external: true }));
      // The shims must renew their heap views when the heap's buffer changes, which the
      // wasm2js core's memory.grow does without detaching the old one.
      const shimFile = path.join(wasmDir, BINDGEN_BASENAME + '.js');
      build.onLoad({ filter: /\/mpmqtt_bg\.js$/ }, (args) => {
        if (path.resolve(args.path) !== shimFile) return undefined;
        const { patchShimsForWasm2js } = require('./build-fallback');
        return { contents: patchShimsForWasm2js(fs.readFileSync(shimFile, 'utf8')), loader: 'js', resolveDir: wasmDir };
      });
      // --- end fallback ---
    },
  };
}

function packageVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'pkg-template', 'package.json'), 'utf8')).version;
  } catch (_) {
    return '0.0.0';
  }
}

/** Whether the core in wasmDir exports the cloud signers (js-glue/client/clouds.js calls them). */
function coreHasCloudSigning(wasmDir) {
  const wasm = path.join(wasmDir, BINDGEN_BASENAME + '.wasm');
  return !fs.existsSync(wasm) || fs.readFileSync(wasm).includes('cloud_credentials');
}

/**
 * What every shipped bundle (mqtt.min.js, mqtt.wasm.js) is built as: one minified ES module,
 * which splitExport turns into a function's body. An IIFE with a globalName would return the
 * entry's namespace through esbuild's toCommonJS helper.
 */
function esModuleBuild(entry) {
  return {
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    // WeChat base libraries down to iOS 10 / Chrome 53 engines: no object spread, no async
    // iteration, no optional chaining; esbuild lowers them or fails the build.
    target: 'es2017',
    legalComments: 'none',
    logLevel: 'silent',
  };
}

/**
 * The snake_case methods of js-glue/core/flat-core.js' Core (`poll_event`, `ev_code`, ...),
 * read off a Core bound to a stand-in module: the client calls them often and by long names,
 * and only code inside the bundle does. (Its one-word methods, `connect` or `end`, are also
 * names of the page's API, which must keep them.)
 */
function coreMethodNames() {
  const { coreClass } = require('../js-glue/core/flat-core');
  const standIn = new Proxy({}, { get: (_, name) => (name === 'memory' ? { buffer: new ArrayBuffer(0) } : () => 0) });
  const names = Object.getOwnPropertyNames(coreClass(standIn).prototype).filter((n) => /^[a-z]+(_[a-z]+)+$/.test(n));
  if (names.length < 10) throw new Error('expected the Core to have its snake_case methods, found: ' + names.join(', '));
  return names.map((n) => '^' + n + '$');
}

/**
 * Methods of the Platform interface (docs/platform-interface.md) and of the wasm2js fallback
 * hooks the platforms take: only the client and the platform modules, all inside the bundle,
 * call them. (selectPlatform and loadCore stay: renamed, esbuild keeps whole module objects
 * for them.) bundleJs checks that none survives, since a quoted name would not be renamed.
 */
const PLATFORM_METHODS = ['openSocket', 'instantiateWasm', 'watchLifecycle', 'connectionFailedHint', 'wantsFallback', 'instantiateFallback'];

/**
 * The esbuild options of a shipped mqtt.min.js (bench/size-composition.js measures with them).
 * @param {string} entry
 * @param {string} wasmDir
 * @param {string} [platform]  'wx' or 'my' for a one-platform build
 */
function esbuildOptions(entry, wasmDir, platform) {
  const build = platform ? PLATFORM_BUILDS[platform] : null;
  return {
    ...esModuleBuild(entry),
    charset: 'utf8',
    // The cloud build's shims create a TextEncoder/TextDecoder; the core build's have no
    // strings to convert (the flat boundary), so only the former carries the UTF-8 shim.
    inject: shimsUseTextCoding(wasmDir) ? [path.join(ROOT, 'js-glue', 'shims', 'inject-text-coding.mjs')] : [],
    // Node-only modules, required lazily by the WebSocket platform in Node.
    external: ['ws', 'fs', 'path'],
    // js-glue's CommonJS files bundled as ES modules: one scope, no per-module wrappers.
    plugins: [mpmqttResolver(wasmDir, build && build.select), require('./cjs-to-esm').cjsToEsmPlugin(path.join(ROOT, 'js-glue'))],
    // Private members (`_name`), the Core's methods and the Platform's get short names;
    // nothing outside the bundle reads them.
    mangleProps: new RegExp('^_[a-z]|' + coreMethodNames().concat(PLATFORM_METHODS.map((n) => '^' + n + '$')).join('|')),
    // ES modules are strict without saying so, but the function bundleJs wraps them in is not.
    banner: { js: '/*! mpmqtt ' + packageVersion() + ' | MIT OR Apache-2.0 */\n"use strict";' },
    // A core without the cloud signers (not scripts/build-wasm --variant clouds): clouds.js
    // leaves its signing paths out and only says where they are.
    define: { MPMQTT_CLOUD_SIGNING: String(coreHasCloudSigning(wasmDir)), MPMQTT_ID_PROVIDER: String(!build), MPMQTT_PACKET_RECORDS: String(platform !== 'wx'), MPMQTT_INPUT_IN_PLACE: String(platform !== 'wx'), MPMQTT_KEPT_PAYLOADS: String(platform !== 'wx'), MPMQTT_HELD_ACKS: String(platform !== 'wx'), MPMQTT_STORED_ALIAS_TOPICS: String(platform !== 'wx') },
  };
}

/**
 * @param {string} entry
 * @param {string} wasmDir
 * @param {string} [platform]  'wx' or 'my' for a one-platform build
 */
async function bundleJs(entry, wasmDir, platform) {
  const build = platform ? PLATFORM_BUILDS[platform] : null;
  const result = await require('esbuild').build(esbuildOptions(entry, wasmDir, platform));
  for (const w of result.warnings) {
    // import.meta or a direct eval in the input would be a shipping bug, not a style issue.
    throw new Error('esbuild warning treated as error: ' + w.text + (w.location ? ' at ' + w.location.file + ':' + w.location.line : ''));
  }
  const renamedLeft = PLATFORM_METHODS.filter((name) => result.outputFiles[0].text.includes(name));
  if (renamedLeft.length) throw new Error('the bundle still names ' + renamedLeft.join(', ') + ' (a quoted use esbuild cannot rename?)');
  const esm = splitExport(result.outputFiles[0].text, 'default');
  // `var mqtt` is the <script> global; CommonJS hosts (mini-programs, Node, bundlers) get it as
  // module.exports, which MQTT.js 5's bundle forgot. The default export is connect.
  const umd = 'var mqtt=function(){' + esm.body + 'return ' + esm.local + '}();' +
    'typeof module=="object"&&module&&module.exports&&(module.exports=mqtt);';
  const code = literalEmbeddedRequire(umd, build ? build.requires : UNIVERSAL_REQUIRES);
  // A second minifier after esbuild (scripts/terser-pass.js): a few hundred bytes more, and
  // repeated literals and built-ins read from variables (scripts/lib/hoist-repeated.js).
  return Buffer.from(await require('./terser-pass').terserPass(code, { ascii: true, hoistRepeated: true }));
}

/**
 * An esbuild ES module split into its statements and the local name of one export, so it can
 * run inside a function that returns that value: one scope, no module wrapper or namespace.
 * @returns {{body: string, local: string}}
 */
function splitExport(code, exported) {
  const m = /^([^]*)export\s*\{\s*([\w$]+) as ([\w$]+)\s*\};?\s*$/.exec(code);
  if (!m || m[3] !== exported) throw new Error('expected the bundle to end in one `export{… as ' + exported + '}`, found: ' + code.slice(-120));
  if (/(^|[;}\s])(import|export)\s*[{*\w]/.test(m[1].replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""'))) {
    throw new Error('the bundle has more import/export statements than its final export');
  }
  return { body: m[1], local: m[2] };
}

/**
 * esbuild routes external requires through its `__require` helper; mini-program packagers
 * (Alipay's, WeChat's npm build) and web bundlers only ship modules they see in a literal
 * `require("…")`. The embedded wasm module gets one; Node-only modules keep the helper so
 * web bundlers do not try to resolve fs or ws.
 */
function literalEmbeddedRequire(code, names) {
  // mqtt.fallback.js (the no-WebAssembly core) is required the same way as mqtt.wasm.js.
  for (const name of names) {
    const pattern = new RegExp('([A-Za-z_$][\\w$]*)\\("\\./' + name.replace(/\./g, '\\.') + '"\\)', 'g');
    const hits = code.match(pattern) || [];
    if (hits.length !== 1) throw new Error('expected one require of ./' + name + ' in the bundle, found ' + hits.length);
    code = code.replace(pattern, 'require("./' + name + '")');
  }
  return code;
}

/** Globals every target runtime has (ES2017 plus what wasm-bindgen's shims reach through). */
const ES2017_GLOBALS = new Set(
  ('Array ArrayBuffer Boolean DataView Date Error EvalError RangeError ReferenceError SyntaxError TypeError URIError ' +
    'Float32Array Float64Array Int8Array Int16Array Int32Array Uint8Array Uint8ClampedArray Uint16Array Uint32Array ' +
    'JSON Map Math NaN Infinity Number Object Promise Proxy Reflect RegExp Set String Symbol WeakMap WeakSet ' +
    'decodeURIComponent encodeURIComponent isFinite isNaN parseFloat parseInt undefined arguments toString').split(' ')
);
/** Free globals of the shims that the bundle replaces (esbuild inject). */
const INJECTED_GLOBALS = new Set(['TextEncoder', 'TextDecoder']);

/** Whether the shims in `wasmDir` reach for a global the inject replaces. */
function shimsUseTextCoding(wasmDir) {
  const file = path.join(wasmDir, BINDGEN_BASENAME + '.globals.json');
  if (!fs.existsSync(file)) return true;
  const { uses } = JSON.parse(fs.readFileSync(file, 'utf8'));
  return Object.keys(uses).some((name) => INJECTED_GLOBALS.has(name));
}

/**
 * Checks the free globals wasm-bindgen's shims use (scripts/build-wasm lists them in
 * mpmqtt_bg.globals.json): each must be injected, guarded by a typeof test, or present in
 * every target runtime. BigInt only warns — it is reached only when a 64-bit integer crosses
 * the boundary — and the platform tests fail on it.
 * @returns {string[]} warnings
 */
function checkShimGlobals(wasmDir) {
  const file = path.join(wasmDir, BINDGEN_BASENAME + '.globals.json');
  if (!fs.existsSync(file)) return ['no ' + path.basename(file) + ': free globals of the shims not checked'];
  const { uses } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const warnings = [];
  const missing = [];
  for (const [name, use] of Object.entries(uses)) {
    if (ES2017_GLOBALS.has(name) || INJECTED_GLOBALS.has(name) || use.guarded) continue;
    if (name === 'BigInt') warnings.push('the shims use BigInt (an i64/u64 crosses the wasm boundary): absent before WeChat base library 3.6.0 and in Alipay\'s simulator');
    else missing.push(name);
  }
  if (missing.length) throw new Error('the wasm-bindgen shims use globals mini-programs lack: ' + missing.join(', '));
  return warnings;
}

/**
 * The WeChat core of `wechatDir`, its exports renamed as the main core's (`renames`); it must
 * export exactly what the main core (`main`) exports, since one glue drives both.
 */
function wechatWasm(wechatDir, main, renames) {
  const file = path.join(wechatDir, BINDGEN_BASENAME + '.wasm');
  if (!fs.existsSync(file)) throw new Error('missing ' + path.relative(ROOT, file) + ': run scripts/build-wasm (it builds the wechat variant too)');
  const built = fs.readFileSync(file);
  const names = (wasm) => parseModule(wasm).exports.map((e) => e.name).sort().join(' ');
  if (names(built) !== names(main)) throw new Error(path.relative(ROOT, file) + ' exports differ from the main core\'s: rebuild both (scripts/build-wasm)');
  return renameExports(built, renames);
}

/** The smaller of the wasm build's .wasm.br (when it decompresses to exactly our .wasm) and a fresh one. */
function brotli(wasm, wasmDir) {
  const fresh = smallestBrotli(wasm);
  const prebuilt = path.join(wasmDir, BINDGEN_BASENAME + '.wasm.br');
  if (fs.existsSync(prebuilt)) {
    const br = fs.readFileSync(prebuilt);
    try {
      if (br.length < fresh.length && zlib.brotliDecompressSync(br).equals(wasm)) return br;
    } catch (_) {
      // corrupt or stale: the fresh one
    }
  }
  return fresh;
}

/**
 * Brotli at its maximum quality, the smallest of a few encoder settings: every brotli decoder
 * reads them all, and on this core the font mode with small blocks is ~50 B under the default.
 */
function smallestBrotli(wasm) {
  const C = zlib.constants;
  const settings = [[C.BROTLI_MODE_GENERIC, 0], [C.BROTLI_MODE_GENERIC, 16], [C.BROTLI_MODE_FONT, 16], [C.BROTLI_MODE_FONT, 0]];
  let best = null;
  for (const [mode, lgblock] of settings) {
    const br = zlib.brotliCompressSync(wasm, {
      params: {
        [C.BROTLI_PARAM_MODE]: mode,
        [C.BROTLI_PARAM_QUALITY]: C.BROTLI_MAX_QUALITY,
        [C.BROTLI_PARAM_LGWIN]: C.BROTLI_MAX_WINDOW_BITS,
        [C.BROTLI_PARAM_LGBLOCK]: lgblock,
        [C.BROTLI_PARAM_SIZE_HINT]: wasm.length,
      },
    });
    if (!best || br.length < best.length) best = br;
  }
  return best;
}

/**
 * A CommonJS module (or, loaded by <script>, the global mpmqttWasm) whose value is the core
 * and its inflater: {format, size, data, inflateRaw}, read by js-glue/platform/embedded-wasm.js.
 * The wasm is deflated (well under half of plain base64); its inflater
 * (js-glue/platform/wasm-unpacker.js) travels with it, so mqtt.min.js does not carry one.
 */
async function embeddedModule(wasm) {
  const deflated = zlib.deflateRawSync(wasm, { level: 9, memLevel: 9 });
  const result = await require('esbuild').build({
    ...esModuleBuild(path.join(ROOT, 'js-glue', 'platform', 'wasm-unpacker.js')),
    charset: 'ascii',
    plugins: [require('./cjs-to-esm').cjsToEsmPlugin(path.join(ROOT, 'js-glue'))],
  });
  for (const w of result.warnings) throw new Error('esbuild warning treated as error (mqtt.wasm.js): ' + w.text);
  const esm = splitExport(result.outputFiles[0].text, 'embeddedCore');
  const code =
    '(function(g,v){typeof module=="object"&&module&&module.exports?module.exports=v:g.' + WASM_GLOBAL + '=v})(this,function(){' +
    esm.body + 'return ' + esm.local + '(' + wasm.length + ',"' + deflated.toString('base64') + '")}());\n';
  return '/*! mpmqtt core (WebAssembly, deflate-raw, base64) | MIT OR Apache-2.0 */\n' + (await require('./terser-pass').terserPass(code, { ascii: true }));
}

/** mqtt-store.js: require() gets the store factory, a <script> defines `mpmqttStore`. */
async function storeModule() {
  const result = await require('esbuild').build({
    entryPoints: [path.join(ROOT, 'js-glue', 'store', 'persistent-store.js')],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    globalName: 'mpmqttStore',
    target: 'es2017',
    footer: { js: 'if(typeof module==="object"&&module.exports)module.exports=mpmqttStore;' },
  });
  for (const w of result.warnings) throw new Error('esbuild warning treated as error (mqtt-store.js): ' + w.text);
  return Buffer.from('/*! mpmqtt persistent store | MIT OR Apache-2.0 */\n' + result.outputFiles[0].text);
}

/**
 * @param {{wasmDir?: string, outDir?: string, entry?: string, typings?: string, quiet?: boolean}} [options]
 * @returns {Promise<{files: Object<string, number>, wechatTotal: number, warnings: string[]}>} sizes in bytes
 */
async function bundle(options) {
  const o = options || {};
  const wasmDir = o.wasmDir || path.join(ROOT, 'build', 'wasm');
  const outDir = o.outDir || path.join(ROOT, 'dist');
  const entry = o.entry || path.join(ROOT, 'js-glue', 'index.js');
  const wasmFile = path.join(wasmDir, BINDGEN_BASENAME + '.wasm');
  for (const f of [wasmFile, path.join(wasmDir, BINDGEN_BASENAME + '.js')]) {
    if (!fs.existsSync(f)) throw new Error('missing ' + path.relative(ROOT, f) + ': run scripts/build-wasm first');
  }
  const typings = o.typings || path.join(ROOT, 'js-glue', 'index.d.ts');
  if (!fs.existsSync(typings)) throw new Error('missing ' + path.relative(ROOT, typings));

  const warnings = checkShimGlobals(wasmDir);
  const built = fs.readFileSync(wasmFile);
  // Every shipped file calls the core's exports by short names (scripts/lib/short-exports.js).
  const renames = exportRenames(built);
  const wasm = renameExports(built, renames);
  const imports = parseModule(built).imports.map((i) => i.name);
  const shortNames = (js) => Buffer.from(renameExportUses(js.toString('latin1'), renames, imports), 'latin1');
  const outputs = {
    'mqtt.min.js': shortNames(await bundleJs(entry, wasmDir)),
    'mqtt.wasm.br': brotli(wasm, wasmDir),
    'mqtt.wasm': wasm,
    'mqtt.wasm.js': Buffer.from(await embeddedModule(wasm)),
    'mqtt.min.d.ts': fs.readFileSync(typings),
    'mqtt-store.js': await storeModule(),
  };
  // The WeChat page's core without the whole-packet descriptions (scripts/build-wasm
  // --variant wechat), when dist/ is built from the default core: the same exports, so the
  // same glue and short names drive it.
  const wechatDir = o.wasmDir ? null : path.join(ROOT, 'build', 'wasm-wechat');
  const wechatCore = wechatDir && wechatWasm(wechatDir, built, renames);
  for (const [platform, build] of Object.entries(PLATFORM_BUILDS)) {
    outputs[platform + '/mqtt.min.js'] = shortNames(await bundleJs(entry, wasmDir, platform));
    outputs[platform + '/' + build.core] = platform === 'wx' && wechatCore ? brotli(wechatCore, wechatDir) : outputs[build.core];
    outputs[platform + '/mqtt.min.d.ts'] = outputs['mqtt.min.d.ts'];
    outputs[platform + '/mqtt-store.js'] = outputs['mqtt-store.js'];
  }
  const files = {};
  for (const [name, data] of Object.entries(outputs)) {
    fs.mkdirSync(path.dirname(path.join(outDir, name)), { recursive: true });
    fs.writeFileSync(path.join(outDir, name), data);
    files[name] = data.length;
  }
  const wechatTotal = files['wx/mqtt.min.js'] + files['wx/mqtt.wasm.br'];
  if (!o.quiet) {
    for (const w of warnings) console.warn('warning: ' + w);
    for (const [name, size] of Object.entries(files)) console.log(name.padEnd(18) + String(size).padStart(9) + ' bytes');
    console.log('WeChat shipment (wx/mqtt.min.js + wx/mqtt.wasm.br): ' + wechatTotal + ' bytes');
    console.log('Alipay shipment (my/mqtt.min.js + my/mqtt.wasm.js): ' + (files['my/mqtt.min.js'] + files['my/mqtt.wasm.js']) + ' bytes');
  }
  return { files, wechatTotal, warnings };
}

module.exports = { bundle, esbuildOptions, WASM_GLOBAL, PLATFORM_BUILDS };

if (require.main === module) {
  Promise.resolve()
    .then(() => bundle(parseArgs(process.argv.slice(2))))
    .catch((err) => {
      console.error('bundle: ' + err.message);
      process.exit(1);
    });
}
