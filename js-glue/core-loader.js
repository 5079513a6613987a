'use strict';
/**
 * Loads the wasm core once per process and hands out its `Core` class.
 *
 * The JS half of the core is wasm-bindgen's `--target bundler` output (mpmqtt_bg.js), which
 * the bundler inlines into mqtt.min.js. Its wasm imports all live in the module
 * "./mpmqtt_bg.js" — the shims module itself — so the import object is built from its exports
 * and the platform instantiates the wasm however its runtime allows.
 */

/** Module name the wasm imports its JS shims from (fixed by `--out-name mpmqtt`). */
const IMPORT_MODULE = './mpmqtt_bg.js';

let cached = null;
let loaded = null;

/** The wasm-bindgen shims, inlined by scripts/bundle.js (an ES module, so bundled use only). */
function bundledBindgen() {
  return require('../build/wasm/mpmqtt_bg.js');
}

/**
 * @param {{instantiateWasm(imports: object): Promise<object>}} platform
 * @param {object} [bindgen]  the shims module; defaults to the bundled one (tests pass their own)
 * @returns {Promise<Function>} the `Core` class
 */
function loadCore(platform, bindgen) {
  if (cached) return cached;
  const attempt = Promise.resolve()
    .then(() => {
      const bg = bindgen || bundledBindgen();
      if (typeof bg.__wbg_set_wasm !== 'function' || typeof bg.Core !== 'function') {
        throw new Error('mpmqtt: the wasm-bindgen shims lack __wbg_set_wasm or Core (build/wasm is stale?)');
      }
      // A plain copy: some engines are picky about namespace objects as import modules.
      const shims = {};
      Object.keys(bg).forEach((name) => {
        shims[name] = bg[name];
      });
      const imports = {};
      imports[IMPORT_MODULE] = shims;
      return platform.instantiateWasm(imports).then((exports) => {
        bg.__wbg_set_wasm(exports);
        if (typeof exports.__wbindgen_start === 'function') exports.__wbindgen_start();
        loaded = bg;
        return bg.Core;
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
