'use strict';
/**
 * Loads the wasm core once per process and hands out its `Core` class (./core/flat-core.js).
 *
 * The core's imports all live in the module "./mpmqtt_bg.js": the native copy the flat core
 * needs, plus, in the cloud build, wasm-bindgen's shims for the signers (mpmqtt_bg.js,
 * `--target bundler` output the bundler inlines into mqtt.min.js). The platform instantiates
 * the wasm however its runtime allows.
 */
const { coreClass, coreImports } = require('./core/flat-core');

/** Module name the wasm imports its JS shims from (fixed by `--out-name mpmqtt`). */
const IMPORT_MODULE = './mpmqtt_bg.js';

let cached = null;
let loaded = null;

/* global MPMQTT_CLOUD_SIGNING */
/**
 * The wasm-bindgen shims, inlined by scripts/bundle.js (an ES module, so bundled use only).
 * Only the cloud signers use them: a core without signers imports nothing but the native
 * copy, so its bundle leaves the shims out.
 */
function bundledBindgen() {
  // The define itself rather than build-flags' CLOUD_SIGNING: esbuild leaves a require out
  // only in a branch it already knows to be dead while parsing this file.
  const signing = typeof MPMQTT_CLOUD_SIGNING === 'undefined' || MPMQTT_CLOUD_SIGNING;
  return signing ? require('../build/wasm/mpmqtt_bg.js') : { __wbg_set_wasm() {} };
}

const SIGNING = typeof MPMQTT_CLOUD_SIGNING === 'undefined' || MPMQTT_CLOUD_SIGNING;

/**
 * @param {{instantiateWasm(imports: object): Promise<object>}} platform
 * @param {object} [bindgen]  the shims module; defaults to the bundled one (tests pass their own)
 * @returns {Promise<Function>} the `Core` class
 */
function loadCore(platform, bindgen) {
  if (cached) return cached;
  const attempt = Promise.resolve()
    .then(() => {
      // Only a core with the signers imports wasm-bindgen's shims (and only shims that
      // wasm-bindgen wrote can be stale); the others import nothing but the native copy.
      const bg = SIGNING ? bindgen || bundledBindgen() : null;
      if (bg && typeof bg.__wbg_set_wasm !== 'function') {
        throw new Error('mpmqtt: the wasm-bindgen shims lack __wbg_set_wasm (build/wasm is stale?)');
      }
      let instance = null;
      // A plain copy: some engines are picky about namespace objects as import modules.
      const shims = Object.assign(coreImports(() => instance), bg);
      return platform.instantiateWasm({ [IMPORT_MODULE]: shims }).then((exports) => {
        if (typeof exports.mq_new !== 'function') {
          throw new Error('mpmqtt: the core module is not the mpmqtt core mqtt.min.js expects (a mqtt.wasm from another version?)');
        }
        instance = exports;
        if (bg) {
          bg.__wbg_set_wasm(exports);
          if (typeof exports.__wbindgen_start === 'function') exports.__wbindgen_start();
        }
        loaded = bg;
        return coreClass(exports);
      });
    });
  cached = attempt;
  // A failed load (missing file, wrong path) may be retried with other options.
  attempt.catch(() => {
    if (cached === attempt) cached = null;
  });
  return attempt;
}

/** The loaded shims module (cloud signing lives there too); throws before loadCore resolved. */
function loadedBindings() {
  if (!loaded) throw new Error('mpmqtt: the core is not loaded yet');
  return loaded;
}

/** Forgets the loaded core. Tests only: a real process keeps one instance for its lifetime. */
function resetCoreForTests() {
  cached = null;
  loaded = null;
}

module.exports = { loadCore, loadedBindings, resetCoreForTests, IMPORT_MODULE };
