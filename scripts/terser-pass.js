'use strict';
/**
 * A terser pass over esbuild's minified output. esbuild minifies one statement at a time;
 * terser's compressor also joins and hoists across statements (sequences, merged var
 * declarations, inlined one-use functions). Measured on this project: dist/wx/mqtt.min.js
 * -440 B, dist/my/mqtt.min.js -520 B, dist/mqtt.fallback.js (wasm2js) -5.5 KB with ASCII
 * output.
 *
 * Only terser's safe defaults: no `unsafe*` compress options (they assume things about
 * functions and prototypes that page code may break), no property mangling (esbuild's
 * mangleProps already did what is safe), top-level names kept (`var mqtt` is the <script>
 * global) and `/*!` comments kept. terser adds no eval or Function().
 */

/**
 * @param {string} code  minified ES2017
 * @param {{ascii?: boolean, hoistRepeated?: boolean}} [options]  ascii: escape every non-ASCII
 *   character (the wasm2js fallback keeps its data segments 7-bit); hoistRepeated: repeated
 *   strings, null, undefined and built-ins read from variables (scripts/lib/hoist-repeated.js;
 *   the mqtt.min.js bundles)
 * @returns {Promise<string>}
 */
async function terserPass(code, options) {
  const { minify } = require('terser');
  const o = options || {};
  const format = { comments: /^!/, ascii_only: !!o.ascii };
  const result = await minify(code, { ecma: 2017, compress: { passes: 2 }, mangle: true, format });
  if (!o.hoistRepeated) return result.code;
  // After compressing, which would put the literals back; then only the new names shrink.
  // And `this`, written many times in a function, read from a local (scripts/lib/alias-this.js).
  const { hoistRepeated } = require('./lib/hoist-repeated');
  const { aliasThis } = require('./lib/alias-this');
  // And functions called where they stand written as arrows (scripts/lib/arrow-iife.js).
  const { arrowIife } = require('./lib/arrow-iife');
  const hoisted = await minify(arrowIife(aliasThis(hoistRepeated(result.code))), { ecma: 2017, compress: false, mangle: true, format });
  // A new name left unmangled was never declared: it would read or assign a global.
  if (hoisted.code.includes('__mpmqtt')) throw new Error('terserPass: a hoisted name or this alias was not declared');
  // Compressed once more: the rewrites leave sequences and declarations to join (dist/wx
  // -45 B); the hoisted names stay, since they are read more than once.
  const joined = (await minify(hoisted.code, { ecma: 2017, compress: { passes: 2 }, mangle: true, format })).code;
  return [joined, hoisted.code, result.code].reduce((a, b) => (b.length < a.length ? b : a));
}

module.exports = { terserPass };
