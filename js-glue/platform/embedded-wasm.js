'use strict';
/**
 * The wasm core for runtimes that have the standard WebAssembly API but cannot be trusted to
 * read a binary file (Alipay's simulator corrupts them) or have no file system (browsers):
 * the build ships it deflated and base64-encoded as `mqtt.wasm.js` beside mqtt.min.js, a
 * module whose value carries its own inflater: {format, size, data, inflateRaw}
 * (./wasm-unpacker.js).
 */

const { decode } = require('./base64');

/** The shape scripts/bundle.js gives mqtt.wasm.js (./wasm-unpacker.js FORMAT). */
const FORMAT = 'mpmqtt-wasm/deflate-raw+base64';

/** Global a `<script src="mqtt.wasm.js">` defines in pages without a module system. */
const GLOBAL_NAME = 'mpmqttWasm';

/**
 * @param {object} opts  client options; `wasmBytes` (ArrayBuffer or view) overrides the lookup
 * @returns {Uint8Array|ArrayBuffer}
 */
function embeddedWasmBytes(opts) {
  if (opts && opts.wasmBytes) return opts.wasmBytes;
  const tried = [];
  let packed;
  try {
    // Kept as a literal runtime require by the bundler (mini-program packagers only ship
    // modules they see required): resolved beside mqtt.min.js.
    packed = require('./mqtt.wasm.js');
  } catch (err) {
    // Node appends the require stack on further lines: the first line says what went wrong.
    const why = String(err && err.message ? err.message : err).split('\n')[0];
    tried.push('the module mqtt.wasm.js beside mqtt.min.js (' + why + ')');
  }
  if (!packed) {
    const g = typeof self !== 'undefined' ? self : typeof window !== 'undefined' ? window : undefined;
    if (g && g[GLOBAL_NAME]) packed = g[GLOBAL_NAME];
    else tried.push('global ' + GLOBAL_NAME + ' (not defined)');
  }
  if (!packed) {
    throw new Error(
      'mpmqtt: could not find the embedded WebAssembly core. Tried ' +
        tried.join('; ') +
        '. Copy mqtt.wasm.js beside mqtt.min.js, or pass the wasm bytes as the wasmBytes option'
    );
  }
  return unpack(packed);
}

/**
 * @param {{format: string, size: number, data: string, inflateRaw: Function}} packed  mqtt.wasm.js's value
 * @returns {Uint8Array} the wasm module
 */
function unpack(packed) {
  if (!packed || packed.format !== FORMAT || typeof packed.data !== 'string' || typeof packed.size !== 'number' || typeof packed.inflateRaw !== 'function') {
    throw new Error('mpmqtt: mqtt.wasm.js is not an embedded core of this version (expected ' + FORMAT + '): ship mqtt.min.js and mqtt.wasm.js from the same build');
  }
  const wasm = packed.inflateRaw(decode(packed.data), packed.size);
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new Error('mpmqtt: mqtt.wasm.js does not hold a WebAssembly module');
  }
  return wasm;
}

/**
 * Instantiates with the standard WebAssembly API.
 * @returns {Promise<object>} the instance's exports
 */
function instantiateStandard(engine, bytes, imports) {
  return Promise.resolve(engine.instantiate(bytes, imports)).then((result) => {
    const instance = result && result.instance ? result.instance : result;
    return instance.exports;
  });
}

module.exports = { embeddedWasmBytes, instantiateStandard, unpack, GLOBAL_NAME, FORMAT };
