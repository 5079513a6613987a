'use strict';
/**
 * Shipping size: the bytes each kind of page ships, raw and compressed (gzip -9 and
 * brotli q11, what a CDN or the mini-program package download would use), against
 * MQTT.js' dist/mqtt.min.js: 4.2.1 (the WeChat anchor: the last 4.x that connects in
 * WeChat unchanged) and 5.16.0.
 *
 * WeChat ships mqtt.min.js + mqtt.wasm.br (WXWebAssembly loads .wasm.br itself); Alipay and
 * H5 ship mqtt.min.js + mqtt.wasm.js (deflated, base64 in a module); Node installs read
 * mqtt.min.js + mqtt.wasm. mqtt.wasm.br and mqtt.wasm.js are already compressed, so their
 * "compressed" size is counted as stored where recompressing would not shrink them.
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { exact } = require('./lib/stats');
const { ROOT, DIST } = require('./lib/impls');

function gzip(buf) {
  return zlib.gzipSync(buf, { level: 9 }).length;
}

function brotli(buf) {
  return zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
}

/** raw, gzip and brotli sizes of a file; an already-compressed file keeps its size. */
function measure(file, precompressed) {
  const buf = fs.readFileSync(file);
  if (precompressed) return { raw: buf.length, gzip: buf.length, br: buf.length };
  return { raw: buf.length, gzip: Math.min(buf.length, gzip(buf)), br: Math.min(buf.length, brotli(buf)) };
}

function sum(parts) {
  return parts.reduce((a, p) => ({ raw: a.raw + p.raw, gzip: a.gzip + p.gzip, br: a.br + p.br }), { raw: 0, gzip: 0, br: 0 });
}

/** @returns {Object<string, {raw, gzip, br}>} */
function sizes() {
  const d = (f) => path.join(DIST, f);
  const js = measure(d('mqtt.min.js'));
  const wasmBr = measure(d('mqtt.wasm.br'), true);
  const wasm = measure(d('mqtt.wasm'));
  const wasmJs = measure(d('mqtt.wasm.js'));
  const out = {
    wechat: sum([js, wasmBr]),
    alipay: sum([js, wasmJs]),
    node: sum([js, wasm]),
    'mqtt.min.js': js,
    'mqtt.wasm': wasm,
    mqttjs4: measure(path.join(ROOT, 'node_modules', 'mqtt4', 'dist', 'mqtt.min.js')),
    mqttjs5: measure(path.join(ROOT, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js')),
  };
  return out;
}

async function run() {
  const s = sizes();
  const rows = [];
  const cases = [
    ['WeChat page: mqtt.min.js + mqtt.wasm.br', 'wechat', ['raw', 'gzip', 'br']],
    ['Alipay / H5 page: mqtt.min.js + mqtt.wasm.js', 'alipay', ['raw', 'gzip', 'br']],
    ['Node install: mqtt.min.js + mqtt.wasm', 'node', ['raw']],
    ['of which mqtt.min.js (the JS glue)', 'mqtt.min.js', ['raw', 'br']],
    ['of which mqtt.wasm (the core)', 'mqtt.wasm', ['raw', 'br']],
  ];
  for (const [name, key, kinds] of cases) {
    for (const kind of kinds) {
      rows.push({
        section: 'Shipping size, bytes (anchors: MQTT.js dist/mqtt.min.js, same compression)',
        name: name + ', ' + { raw: 'raw', gzip: 'gzip -9', br: 'brotli 11' }[kind],
        unit: 'B',
        better: 'lower',
        values: { ours: exact(s[key][kind]), mqttjs5: exact(s.mqttjs5[kind]), mqttjs4: exact(s.mqttjs4[kind]) },
      });
    }
  }
  return rows;
}

module.exports = { run, sizes, measure };
