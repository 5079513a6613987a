'use strict';
/**
 * The code inside mqtt.wasm.js (scripts/bundle.js): the core, deflated and in base64, with the
 * inflater that unpacks it. The inflater travels with the data rather than in mqtt.min.js, so
 * a page that never instantiates WebAssembly (an Alipay runtime without it, running
 * mqtt.fallback.js) does not ship its 2.6 KB. The base64 decoder stays in mqtt.min.js, which
 * needs it for Alipay's socket frames anyway.
 */

const { inflateRaw } = require('./inflate');

/** What js-glue/platform/embedded-wasm.js accepts; an mqtt.wasm.js of another shape fails clearly. */
const FORMAT = 'mpmqtt-wasm/deflate-raw+base64';

/**
 * @param {number} size  bytes of the wasm module
 * @param {string} data  the module, deflate-raw compressed, in base64
 * @returns {{format: string, size: number, data: string, inflateRaw: (src: Uint8Array, size: number) => Uint8Array}}
 */
function embeddedCore(size, data) {
  return { format: FORMAT, size, data, inflateRaw };
}

module.exports = { embeddedCore };
