'use strict';
/**
 * The fallback hooks of the WeChat-only build (dist/wx/): WXWebAssembly exists from base
 * library 2.14.0 on, so that build leaves the wasm2js loader out and says where it is.
 */
const { wantsFallback } = require('./fallback');

/** @returns {Promise<never>} */
function instantiateFallback(opts, imports, why) {
  return Promise.reject(
    new Error('mpmqtt: ' + (why || 'forceFallback') + ': dist/wx/ has no JavaScript core; use dist/mqtt.min.js with mqtt.fallback.js')
  );
}

module.exports = { wantsFallback, instantiateFallback };
