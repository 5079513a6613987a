'use strict';
/**
 * Both cores as `Core` classes (js-glue/core/flat-core.js), driven directly with explicit
 * times: the WebAssembly build (build/wasm/mpmqtt_bg.wasm) and the wasm2js one
 * (dist/mqtt.fallback.js, which calls the exports by their short names).
 */
const fs = require('fs');
const path = require('path');
const { REPO } = require('../../support/page');
const { coreClass, coreImports } = require('../../../js-glue/core/flat-core');
const { exportRenames, withReadableNames } = require('../../../scripts/lib/short-exports');

const WASM = path.join(REPO, 'build', 'wasm', 'mpmqtt_bg.wasm');
const FALLBACK = path.join(REPO, 'dist', 'mqtt.fallback.js');

function coresMissing() {
  const missing = [WASM, FALLBACK].filter((f) => !fs.existsSync(f)).map((f) => path.relative(REPO, f));
  return missing.length ? `${missing.join(', ')} missing: scripts/build-wasm && node scripts/bundle.js && scripts/build-fallback` : false;
}

/** @returns {Promise<{name: string, Core: Function}[]>} */
async function loadCores() {
  const bytes = fs.readFileSync(WASM);
  let wasmExports = null;
  const { instance } = await WebAssembly.instantiate(bytes, { './mpmqtt_bg.js': coreImports(() => wasmExports) });
  wasmExports = instance.exports;
  let jsExports = null;
  jsExports = require(FALLBACK).instantiate({ './mpmqtt_bg.js': coreImports(() => jsExports) });
  return [
    { name: 'wasm', Core: coreClass(wasmExports) },
    { name: 'wasm2js', Core: coreClass(withReadableNames(jsExports, exportRenames(bytes))) },
  ];
}

/** Event kinds (src/wasm/mod.rs). */
const EV = { OPEN_TRANSPORT: 1, CLOSE_TRANSPORT: 2, CONNECTED: 4, MESSAGE: 5, OP_DONE: 6, OP_FAILED: 7, RECONNECTING: 8, CLOSED: 9, ERROR: 10 };

/** Every event the core has, with the fields a test looks at. */
function drainEvents(core) {
  const out = [];
  for (let k; (k = core.poll_event()) !== 0;) {
    const e = { kind: k };
    if (k === EV.OP_DONE || k === EV.OP_FAILED) Object.assign(e, { op: core.ev_op(), messageId: core.ev_message_id() });
    if (k === EV.OP_FAILED || k === EV.ERROR) Object.assign(e, { name: core.ev_error_name(), text: core.ev_text() });
    out.push(e);
  }
  return out;
}

/** Every byte the core wants to send, as one Buffer (empty when none). */
function drainTransmit(core) {
  const parts = [];
  for (let b; (b = core.poll_transmit()) !== undefined;) parts.push(Buffer.from(b));
  return Buffer.concat(parts);
}

module.exports = { loadCores, coresMissing, drainEvents, drainTransmit, EV, WASM, FALLBACK };
