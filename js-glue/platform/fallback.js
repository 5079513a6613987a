'use strict';
/**
 * The core without WebAssembly: `mqtt.fallback.js` (scripts/build-fallback) is the same wasm
 * module compiled to plain JavaScript by wasm2js. It is used when the runtime has neither
 * WXWebAssembly nor WebAssembly (WeChat before base library 2.14.0, Alipay's simulator and
 * runtimes without it, `node --jitless`, QuickJS), or when the page sets `forceFallback`.
 * Being JavaScript, it also avoids binary file reads, which Alipay's simulator corrupts.
 */

/** Global a `<script src="mqtt.fallback.js">` defines in pages without a module system. */
const GLOBAL_NAME = 'mpmqttFallback';
/** What scripts/build-fallback puts in the module's `format` field. */
const FORMAT = 'wasm2js';

/**
 * @param {object} opts  client options; `fallback` (the value of mqtt.fallback.js, e.g.
 *   `require('mpmqtt/mqtt.fallback.js')`) overrides the lookup
 * @returns {{format: string, instantiate(imports: object): object}}
 */
function fallbackModule(opts) {
  if (opts && opts.fallback) return opts.fallback;
  const tried = [];
  try {
    // Kept as a literal runtime require by scripts/bundle.js so mini-program packagers ship
    // the file when it sits beside mqtt.min.js.
    const mod = require('./mqtt.fallback.js');
    if (mod) return mod;
    tried.push('the module mqtt.fallback.js beside mqtt.min.js (empty)');
  } catch (err) {
    const why = String(err && err.message ? err.message : err).split('\n')[0];
    tried.push('the module mqtt.fallback.js beside mqtt.min.js (' + why + ')');
  }
  // A free identifier finds a global property in every engine, with no global object at hand.
  if (typeof mpmqttFallback !== 'undefined' && mpmqttFallback) return mpmqttFallback; // eslint-disable-line no-undef
  tried.push('global ' + GLOBAL_NAME + ' (not defined)');
  throw new Error(
    'could not find the JavaScript core. Tried ' + tried.join('; ') +
      '. Copy mqtt.fallback.js beside mqtt.min.js, or pass require(\'mpmqtt/mqtt.fallback.js\') as the fallback option'
  );
}

/**
 * True when the fallback core must be used instead of `engine`.
 * @param {object} opts    client options (`forceFallback`)
 * @param {object} [engine] the WebAssembly-like object the platform found, if any
 */
function wantsFallback(opts, engine) {
  return !!(opts && opts.forceFallback) || !engine || typeof engine.instantiate !== 'function';
}

/**
 * Instantiates the JavaScript core with the same imports a wasm instance gets.
 * @param {object} opts     client options
 * @param {object} imports  {"./mpmqtt_bg.js": shims}
 * @param {string} [why]    why the fallback is used (prefixes the error when it cannot load)
 * @returns {Promise<object>} exports shaped like a wasm instance's
 */
function instantiateFallback(opts, imports, why) {
  return Promise.resolve().then(() => {
    let exports;
    try {
      const mod = fallbackModule(opts);
      if (!mod || mod.format !== FORMAT || typeof mod.instantiate !== 'function') {
        throw new Error('mqtt.fallback.js is not a ' + FORMAT + ' core of this version');
      }
      exports = mod.instantiate(imports);
    } catch (err) {
      const msg = err && err.message ? err.message : String(err);
      throw new Error('mpmqtt: ' + (why ? why + ', and the JavaScript fallback core failed: ' : '') + msg.replace(/^mpmqtt: /, ''));
    }
    if (!exports || !exports.memory) throw new Error('mpmqtt: mqtt.fallback.js gave no exports');
    return exports;
  });
}

module.exports = { fallbackModule, wantsFallback, instantiateFallback, GLOBAL_NAME, FORMAT };
