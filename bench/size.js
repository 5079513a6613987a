'use strict';
/**
 * Shipping size: the bytes each kind of page ships, raw and compressed (gzip -9 and
 * brotli q11, what a CDN or the mini-program package download would use), against
 * MQTT.js' dist/mqtt.min.js: 4.2.1 (the WeChat anchor: the last 4.x that connects in
 * WeChat unchanged) and 5.16.0.
 *
 * WeChat pages ship the WeChat build wx/mqtt.min.js + wx/mqtt.wasm.br (WXWebAssembly loads
 * .wasm.br itself); Alipay pages the Alipay build my/mqtt.min.js + my/mqtt.wasm.js (deflated,
 * base64 in a module), or + my/mqtt.fallback.js where there is no WebAssembly; H5 pages the
 * universal mqtt.min.js + mqtt.wasm.js; Node installs read mqtt.min.js + mqtt.wasm.
 * mqtt.wasm.br is already compressed, so its "compressed" size is counted as stored.
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
  const wasm = measure(d('mqtt.wasm'));
  const out = {
    wechat: sum([measure(d('wx/mqtt.min.js')), measure(d('wx/mqtt.wasm.br'), true)]),
    alipay: sum([measure(d('my/mqtt.min.js')), measure(d('my/mqtt.wasm.js'))]),
    h5: sum([js, measure(d('mqtt.wasm.js'))]),
    node: sum([js, wasm]),
    'mqtt.min.js': js,
    'mqtt.wasm': wasm,
    mqttjs4: measure(path.join(ROOT, 'node_modules', 'mqtt4', 'dist', 'mqtt.min.js')),
    mqttjs5: measure(path.join(ROOT, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js')),
  };
  // The fallback is built by scripts/build-fallback, not by the bundle scripts/bench runs.
  if (fs.existsSync(d('my/mqtt.fallback.js'))) out.alipayFallback = sum([measure(d('my/mqtt.min.js')), measure(d('my/mqtt.fallback.js'))]);
  return out;
}

async function run() {
  const s = sizes();
  const rows = [];
  const cases = [
    ['WeChat page: wx/mqtt.min.js + wx/mqtt.wasm.br', 'wechat', ['raw', 'gzip', 'br']],
    ['Alipay page: my/mqtt.min.js + my/mqtt.wasm.js', 'alipay', ['raw', 'gzip', 'br']],
    ['Alipay page without WebAssembly: my/mqtt.min.js + my/mqtt.fallback.js', 'alipayFallback', ['raw', 'gzip', 'br']],
    ['H5 page: mqtt.min.js + mqtt.wasm.js', 'h5', ['raw', 'br']],
    ['Node install: mqtt.min.js + mqtt.wasm', 'node', ['raw']],
    ['of which mqtt.min.js (the universal JS glue)', 'mqtt.min.js', ['raw', 'br']],
    ['of which mqtt.wasm (the core)', 'mqtt.wasm', ['raw', 'br']],
  ];
  for (const [name, key, kinds] of cases) {
    if (!s[key]) continue;
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
