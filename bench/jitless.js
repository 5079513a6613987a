'use strict';
/**
 * Where pages run without a JIT: JavaScriptCore with the JIT off (`jsc --useJIT=false`, the
 * engine family of iOS WeChat; Debian's libjavascriptcoregtk-4.0-bin, installed by
 * scripts/setup) and `node --jitless`. Each engine process runs one client through every
 * case of bench/jsc/session.js against the scripted broker bench/jsc/broker.js in the same
 * engine, behind the fake wx.connectSocket of tests/matrix/jsc/wx.js (WebAssembly deleted
 * first by tests/matrix/jsc/prelude.js, as the matrix rows do). Clients:
 *   wasm     dist/wx/mqtt.min.js, path-only WXWebAssembly over the engine's interpreter
 *            (jsc only: `node --jitless` has no WebAssembly at all)
 *   wasm2js  dist/mqtt.min.js + dist/mqtt.fallback.js, no WebAssembly
 *   mqttjs4  MQTT.js 4.2.1's dist/mqtt.min.js (the anchor: what WeChat pages ship today)
 * Repetitions interleave the clients; every ratio is ours ÷ MQTT.js 4.2.1 in the same engine.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn } = require('child_process');
const { ROOT, DIST } = require('./lib/impls');
const { findJsc } = require('../tests/matrix/jsc-host');

const MATRIX_JSC = path.join(ROOT, 'tests', 'matrix', 'jsc');
const BENCH_JSC = path.join(__dirname, 'jsc');

const SIZES = { '16 B': 16, '1 KiB': 1024, '64 KiB': 65536 };
const CASES = [];
for (const kind of ['publish', 'echo']) for (const label of Object.keys(SIZES)) for (const qos of [0, 1]) CASES.push({ kind, qos, size: SIZES[label], label });

const CLIENT_FILES = {
  wasm: ['wx/mqtt.min.js'],
  wasm2js: ['mqtt.fallback.js', 'mqtt.min.js'],
  mqttjs4: [path.join(ROOT, 'node_modules', 'mqtt4', 'dist', 'mqtt.min.js')],
};

const ENGINES = {
  jsc: { label: 'jsc --useJIT=false', clients: ['wasm', 'wasm2js', 'mqttjs4'] },
  node: { label: 'node --jitless', clients: ['wasm2js', 'mqttjs4'] },
};

/** Writes the per-run config script; returns the script list for one client. */
function prepare(work, engine, impl, opts) {
  const wasm = impl === 'wasm';
  const wasmFiles = {};
  if (wasm) {
    // WeChat decodes the .wasm.br itself; the shell cannot, so it reads it decoded.
    const raw = path.join(work, 'mqtt.wasm');
    if (!fs.existsSync(raw)) fs.writeFileSync(raw, zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, 'wx', 'mqtt.wasm.br'))));
    wasmFiles['/utils/mqtt.wasm.br'] = raw;
  }
  const config = path.join(work, engine + '-' + impl + '-config.js');
  const cfg = { impl, wxWebAssembly: wasm, wasmFiles, cases: CASES, durationMs: opts.durationMs, warmupMs: opts.warmupMs, timeout: opts.timeout };
  // `global`: WeChat's logic layer has one, and MQTT.js 4's readable-stream needs it to tell
  // a Uint8Array payload from an invalid chunk (without it every publish errors).
  fs.writeFileSync(config, 'var JSC_T0 = Date.now();\nvar global = this;\nvar JSC_CONFIG = ' + JSON.stringify(cfg) + ';\n');
  const bundle = CLIENT_FILES[impl].map((f) => (path.isAbsolute(f) ? f : path.join(DIST, f)));
  return [config, path.join(MATRIX_JSC, 'prelude.js'), path.join(BENCH_JSC, 'broker.js'), path.join(MATRIX_JSC, 'wx.js')]
    .concat(bundle, path.join(BENCH_JSC, 'session.js'));
}

function runEngine(engine, scripts, timeoutMs) {
  const cmd = engine === 'jsc' ? findJsc() : process.execPath;
  const args = engine === 'jsc' ? ['--useJIT=false', ...scripts] : ['--jitless', '--expose-gc', path.join(__dirname, 'lib', 'vm-host.js'), ...scripts];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
      let r = null;
      try {
        r = line ? JSON.parse(line.slice('BENCH-RESULT '.length)) : null;
      } catch (_) {
        r = null;
      }
      if (!r || !r.ok) {
        const why = r ? r.error : 'no result (exit ' + (signal || code) + '): ' + (err.trim() || out.trim()).split('\n').slice(-3).join(' | ');
        resolve({ ok: false, error: engine + ': ' + why });
      } else resolve(r);
    });
  });
}

function caseName(c) {
  return c.kind + ' QoS ' + c.qos + ', ' + c.label;
}

/**
 * @param {{reps: number, quick: boolean, log: Function}} ctx
 * @returns {Promise<object[]>} rows for the table; `ours` is the row's core, `mqttjs4` the anchor
 */
async function run(ctx) {
  const opts = { durationMs: ctx.quick ? 250 : 500, warmupMs: ctx.quick ? 100 : 150 };
  opts.timeout = CASES.length * (opts.durationMs + opts.warmupMs + 3000) + 20000;
  const reps = Math.min(ctx.reps, 3);
  const engines = Object.keys(ENGINES).filter((e) => e !== 'jsc' || findJsc());
  if (!findJsc()) ctx.log('jitless: no jsc (libjavascriptcoregtk-4.0-bin): JavaScriptCore rows skipped');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-bench-jitless-'));
  const results = {}; // engine -> impl -> [result]
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const engine of engines) {
        results[engine] = results[engine] || {};
        for (const impl of ENGINES[engine].clients) {
          const r = await runEngine(engine, prepare(work, engine, impl, opts), opts.timeout);
          if (!r.ok) throw new Error('jitless ' + impl + ' in ' + r.error);
          (results[engine][impl] = results[engine][impl] || []).push(r);
        }
        ctx.log('jitless rep ' + (rep + 1) + '/' + reps + ' ' + engine + ': ' + ENGINES[engine].clients.map((i) => i + ' ' + Math.round(results[engine][i][rep].cases[0].rate) + ' msg/s').join(', ') + ' (publish QoS 0, 16 B)');
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const rows = [];
  const coreLabel = { wasm: 'WebAssembly core', wasm2js: 'wasm2js core' };
  for (const engine of engines) {
    for (const impl of ENGINES[engine].clients.filter((i) => i !== 'mqttjs4')) {
      const section = ENGINES[engine].label + ', ' + coreLabel[impl] + ' (anchor: MQTT.js 4.2.1 in the same engine)';
      const ours = results[engine][impl];
      const anchor = results[engine].mqttjs4;
      const pick = (list, f) => list.map(f);
      CASES.forEach((c, i) => {
        rows.push({ section, engine, core: impl, name: caseName(c), unit: 'msg/s', better: 'higher', values: { ours: pick(ours, (r) => r.cases[i].rate), mqttjs4: pick(anchor, (r) => r.cases[i].rate) } });
      });
      rows.push({ section, engine, core: impl, name: 'startup: bundle evaluated → connected, ms', unit: 'ms', better: 'lower', values: { ours: pick(ours, (r) => r.startupMs), mqttjs4: pick(anchor, (r) => r.startupMs) } });
      rows.push({ section, engine, core: impl, name: 'JS heap once connected, after a full GC, KiB' + (impl === 'wasm' ? ' (+ wasm linear memory, not in this figure)' : ''), unit: 'KiB', better: 'lower', values: { ours: pick(ours, (r) => r.heapBytes / 1024), mqttjs4: pick(anchor, (r) => r.heapBytes / 1024) } });
    }
  }
  return rows;
}

module.exports = { run, CASES, ENGINES };
