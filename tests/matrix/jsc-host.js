'use strict';
/**
 * Matrix rows in JavaScriptCore with the JIT off (`jsc --useJIT=false`, Debian's
 * libjavascriptcoregtk-4.0-bin, installed by scripts/setup): the closest engine to iOS
 * WeChat's logic layer we can run. The shell has no sockets, so the page's `wx.connectSocket`
 * reaches an MQTT broker script in the same engine (tests/matrix/jsc/). `WebAssembly` is
 * deleted before the bundle loads:
 *  - core 'wasm': the WeChat bundle (dist/wx/mqtt.min.js) with a path-only `WXWebAssembly`
 *    over the engine's WebAssembly (its interpreter, the JIT being off);
 *  - core 'wasm2js': the universal bundle and mqtt.fallback.js, no WebAssembly of any kind.
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { spawn } = require('child_process');

const JSC_DIR = path.join(__dirname, 'jsc');
const CANDIDATES = ['/usr/bin/jsc', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/jsc', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.0/jsc'];

function findJsc() {
  return CANDIDATES.find((f) => fs.existsSync(f)) || null;
}

/**
 * @param {{dist: string, work: string}} cfg
 * @param {{core: 'wasm'|'wasm2js', timeout: number}} o
 */
function run(cfg, o) {
  const jsc = findJsc();
  if (!jsc) return Promise.resolve({ ok: false, error: 'no jsc (Debian package libjavascriptcoregtk-4.0-bin; scripts/setup installs it)' });
  const pkg = path.join(cfg.work, 'package');
  const host = path.join(cfg.work, 'host');
  fs.mkdirSync(path.join(pkg, 'utils'), { recursive: true });
  fs.mkdirSync(host, { recursive: true });
  const wasm = o.core === 'wasm';
  const shipped = wasm ? ['wx/mqtt.min.js', 'wx/mqtt.wasm.br'] : ['mqtt.fallback.js', 'mqtt.min.js'];
  for (const n of shipped) {
    const src = path.join(cfg.dist, n);
    if (!fs.existsSync(src)) return Promise.resolve({ ok: false, error: 'missing ' + src });
    fs.copyFileSync(src, path.join(pkg, 'utils', path.basename(n)));
  }
  const wasmFiles = {};
  if (wasm) {
    // The runtime's brotli decoding, done ahead of time: the shell has none.
    const raw = path.join(host, 'mqtt.wasm');
    fs.writeFileSync(raw, zlib.brotliDecompressSync(fs.readFileSync(path.join(pkg, 'utils', 'mqtt.wasm.br'))));
    wasmFiles['/utils/mqtt.wasm.br'] = raw;
  }
  const config = path.join(host, 'config.js');
  fs.writeFileSync(config, 'var JSC_CONFIG = ' + JSON.stringify({ wxWebAssembly: wasm, wasmFiles, timeout: o.timeout }) + ';\n');
  const scripts = [config, path.join(JSC_DIR, 'prelude.js'), path.join(JSC_DIR, 'broker.js'), path.join(JSC_DIR, 'wx.js')]
    .concat(shipped.filter((n) => n.endsWith('.js')).map((n) => path.join(pkg, 'utils', path.basename(n))))
    .concat(path.join(JSC_DIR, 'session.js'));
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(jsc, ['--useJIT=false', ...scripts], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeout + 5000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('JSC-RESULT '));
      let r = null;
      try {
        r = line ? JSON.parse(line.slice('JSC-RESULT '.length)) : null;
      } catch (_) {
        r = null;
      }
      if (!r) r = { ok: false, error: 'jsc gave no result (exit ' + (signal || code) + '): ' + (err.trim() || out.trim()).split('\n').slice(-4).join(' | ') };
      r.detail = 'jsc --useJIT=false, WebAssembly deleted' + (wasm ? ', path-only WXWebAssembly over the interpreter' : '') + '; shipped ' + shipped.join(' + ') + '; ' + (Date.now() - started) + ' ms in jsc';
      resolve(r);
    });
  });
}

module.exports = { run, findJsc };
