'use strict';
/**
 * Runs one matrix environment (a child process of scripts/matrix, so a hung or crashed
 * environment cannot take the others down and everything it started dies with it):
 *
 *   node [--jitless] tests/matrix/env.js NAME '{"wsUrl": "...", "dist": "...", "work": "..."}'
 *
 * Prints one line `MATRIX-RESULT {"ok": true, "ms": ..., "core": ..., "detail": ...}` (or
 * ok: false with an error) and exits. Each environment gets only the files its platform
 * ships, so a round trip that passes also proves which core ran (no mqtt.fallback.js
 * beside a WebAssembly environment, nothing but mqtt.fallback.js beside a fallback one).
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const ROUNDTRIP = path.join(__dirname, 'roundtrip.js');
const TIMEOUT = 20000;

function copyInto(dir, dist, names) {
  fs.mkdirSync(dir, { recursive: true });
  for (const n of names) {
    const src = path.join(dist, n);
    if (!fs.existsSync(src)) throw new Error('missing ' + src + ' (run scripts/build-wasm, node scripts/bundle.js, scripts/build-fallback)');
    fs.copyFileSync(src, path.join(dir, n));
  }
}

function uniq(name) {
  return name + '-' + process.pid + '-' + Math.random().toString(16).slice(2, 8);
}

// --- 1-3: emulated mini-programs --------------------------------------------------------
async function miniProgram(cfg, platform, webAssembly) {
  const { runPage } = require('../emulation/runner');
  const root = path.join(cfg.work, 'project');
  const shipped = platform === 'wx' ? ['mqtt.min.js', 'mqtt.wasm.br'] : webAssembly ? ['mqtt.min.js', 'mqtt.wasm.js'] : ['mqtt.min.js', 'mqtt.fallback.js'];
  // A mini-program page ships its platform's one-platform build (dist/wx/, dist/my/).
  copyInto(path.join(root, 'utils'), path.join(cfg.dist, platform), shipped);
  fs.copyFileSync(ROUNDTRIP, path.join(root, 'utils', 'roundtrip.js'));
  const files = {
    'app.json': JSON.stringify({ pages: ['pages/index/index'], behavior: { connectSocketDefaultMultiple: true } }),
    'app.js': 'App({})',
    'pages/index/index.js': `
      var mqtt = require('../../utils/mqtt.min.js');
      var roundTrip = require('../../utils/roundtrip.js');
      Page({
        data: { result: '' },
        onLoad: function () {
          var page = this;
          roundTrip(mqtt, 'wss://broker.example.com/mqtt', { clientId: ${JSON.stringify(uniq(platform))}, topic: ${JSON.stringify('mpmqtt/matrix/' + uniq(platform))}, timeout: ${TIMEOUT} },
            function (err, report) { page.setData({ result: JSON.stringify(err ? { ok: false, error: String(err && err.message || err) } : Object.assign({ ok: true }, report)) }); });
        },
      });`,
  };
  files[platform === 'wx' ? 'project.config.json' : 'mini.project.json'] = '{}';
  files['pages/index/index.' + (platform === 'wx' ? 'wxml' : 'axml')] = '<view>{{result}}</view>';
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  const page = await runPage(root, 'pages/index/index', {
    rewrite: { 'wss://broker.example.com': cfg.wsUrl },
    webAssembly,
    hideCloseDelay: 100,
  });
  try {
    await page.waitFor((d) => d.result, { timeout: TIMEOUT + 2000, what: 'the round trip' });
    const r = JSON.parse(page.data.result);
    r.detail = 'shipped ' + platform + '/' + shipped.join(' + ' + platform + '/');
    return r;
  } finally {
    page.close();
  }
}

// --- 4-5: Node --------------------------------------------------------------------------
function node(cfg, forceFallback) {
  const jitless = process.execArgv.includes('--jitless');
  const dir = path.join(cfg.work, 'pkg');
  const shipped = jitless || forceFallback ? ['mqtt.min.js', 'mqtt.fallback.js'] : ['mqtt.min.js', 'mqtt.wasm'];
  copyInto(dir, cfg.dist, shipped);
  const mqtt = require(path.join(dir, 'mqtt.min.js'));
  const roundTrip = require(ROUNDTRIP);
  return new Promise((resolve) => {
    const o = { clientId: uniq('node'), topic: 'mpmqtt/matrix/' + uniq('node'), timeout: TIMEOUT, forceFallback: !!forceFallback };
    // The round trip names the core from the globals; with forceFallback it is wasm2js regardless.
    if (forceFallback) o.core = 'wasm2js';
    roundTrip(mqtt, cfg.wsUrl + '/mqtt', o, (err, report) => {
      const detail = 'node ' + process.version + (jitless ? ' --jitless' : '') + (forceFallback ? ', forceFallback: true' : '') + '; shipped ' + shipped.join(' + ') + '; WebAssembly ' + typeof WebAssembly;
      resolve(err ? { ok: false, error: err.message, detail } : Object.assign({ ok: true, detail }, report));
    });
  });
}

// --- 6: QuickJS -------------------------------------------------------------------------
const quickjs = require('./quickjs-host');

// --- 7-8: Chromium, and a vite build served to Chromium ---------------------------------
const chromium = require('./chromium');
const bundler = require('./bundler');

// --- the other mini-program runtimes, and JavaScriptCore without the JIT -----------------
const runtimes = require('./runtimes');
const jsc = require('./jsc-host');

const ENVS = {
  wechat: (cfg) => miniProgram(cfg, 'wx', false),
  'alipay-wasm': (cfg) => miniProgram(cfg, 'my', true),
  'alipay-nowasm': (cfg) => miniProgram(cfg, 'my', false),
  node: (cfg) => node(cfg, false),
  'node-jitless': (cfg) => node(cfg, false),
  'node-forcefallback': (cfg) => node(cfg, true),
  quickjs: (cfg) => quickjs.run(cfg, { roundtrip: ROUNDTRIP, timeout: TIMEOUT, clientId: uniq('quickjs'), topic: 'mpmqtt/matrix/' + uniq('quickjs') }),
  chromium: (cfg) => chromium.runPackagePage(cfg, { roundtrip: ROUNDTRIP, timeout: TIMEOUT, clientId: uniq('chromium'), topic: 'mpmqtt/matrix/' + uniq('chromium') }),
  vite: (cfg) => bundler.run(cfg, { root: ROOT, roundtrip: ROUNDTRIP, timeout: TIMEOUT, clientId: uniq('vite'), topic: 'mpmqtt/matrix/' + uniq('vite') }),
  tt: (cfg) => runtimes.run(cfg, 'tt', { timeout: TIMEOUT }),
  'tt-wasm': (cfg) => runtimes.run(cfg, 'tt', { timeout: TIMEOUT, webAssembly: true }),
  qq: (cfg) => runtimes.run(cfg, 'qq', { timeout: TIMEOUT }),
  swan: (cfg) => runtimes.run(cfg, 'swan', { timeout: TIMEOUT }),
  dd: (cfg) => runtimes.run(cfg, 'dd', { timeout: TIMEOUT }),
  ks: (cfg) => runtimes.run(cfg, 'ks', { timeout: TIMEOUT }),
  'uni-app': (cfg) => runtimes.run(cfg, 'uni', { timeout: TIMEOUT }),
  taro: (cfg) => runtimes.run(cfg, 'taro', { timeout: TIMEOUT }),
  'jsc-nojit': (cfg) => jsc.run(cfg, { core: 'wasm', timeout: TIMEOUT }),
  'jsc-nojit-wasm2js': (cfg) => jsc.run(cfg, { core: 'wasm2js', timeout: TIMEOUT }),
};

async function main() {
  const [name, json] = process.argv.slice(2);
  const run = ENVS[name];
  if (!run || !json) {
    console.error('usage: node tests/matrix/env.js (' + Object.keys(ENVS).join('|') + ') CONFIG_JSON');
    process.exit(2);
  }
  const cfg = JSON.parse(json);
  let result;
  try {
    result = await run(cfg);
  } catch (err) {
    result = { ok: false, error: err && err.stack ? err.stack.split('\n').slice(0, 4).join(' | ') : String(err) };
  }
  process.stdout.write('MATRIX-RESULT ' + JSON.stringify(result) + '\n', () => process.exit(result.ok ? 0 : 1));
}

if (require.main === module) main();

module.exports = { ENVS };
