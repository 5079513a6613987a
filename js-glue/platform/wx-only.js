'use strict';
/** selectPlatform of the WeChat build (dist/wx/): only ./wx is bundled, without the wasm2js loader. */
const { withFallback } = require('./wx');
const { wantsFallback, instantiateFallback } = require('./no-fallback');
const { singlePlatform } = require('./single');

module.exports = { selectPlatform: singlePlatform(withFallback({ wantsFallback, instantiateFallback }), 'dist/wx/') };
