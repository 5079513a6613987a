'use strict';
/**
 * Environment 8: the package consumed the way uni-app / Taro H5 users consume it — installed
 * as a dependency (package.json from pkg-template/ plus the dist/ files, as scripts/pack
 * ships them) and bundled by vite into a web app, whose built output is then served to
 * headless Chromium and runs the round trip.
 */
const fs = require('fs');
const path = require('path');
const { evaluateInPage, serve, PAGE_DRIVER } = require('./chromium');

const SHIPPED = ['mqtt.min.js', 'mqtt.min.d.ts', 'mqtt.wasm', 'mqtt.wasm.br', 'mqtt.wasm.js', 'mqtt.fallback.js'];

async function run(cfg, o) {
  const app = path.join(cfg.work, 'app');
  const pkgDir = path.join(app, 'node_modules', 'mpmqtt');
  const rtDir = path.join(app, 'node_modules', 'mpmqtt-matrix-roundtrip');
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.mkdirSync(rtDir, { recursive: true });
  fs.copyFileSync(path.join(o.root, 'pkg-template', 'package.json'), path.join(pkgDir, 'package.json'));
  for (const f of SHIPPED) fs.copyFileSync(path.join(cfg.dist, f), path.join(pkgDir, f));
  // A dependency too, so the bundler treats its UMD wrapper as CommonJS, as it does ours.
  fs.copyFileSync(o.roundtrip, path.join(rtDir, 'index.js'));
  fs.writeFileSync(path.join(rtDir, 'package.json'), JSON.stringify({ name: 'mpmqtt-matrix-roundtrip', version: '0.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'matrix-app', private: true, type: 'module', dependencies: { mpmqtt: '*' } }));
  fs.writeFileSync(
    path.join(app, 'main.js'),
    "import mqtt from 'mpmqtt';\nimport mpmqttRoundTrip from 'mpmqtt-matrix-roundtrip';\n" +
      'window.mqtt = mqtt;\nwindow.mpmqttRoundTrip = mpmqttRoundTrip;\n' + PAGE_DRIVER + '\n'
  );
  fs.writeFileSync(
    path.join(app, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>mpmqtt matrix (vite)</title>\n' +
      '<script>window.__brokerUrl = ' + JSON.stringify(cfg.wsUrl + '/mqtt') + '; window.__rt = ' + JSON.stringify({ clientId: o.clientId, topic: o.topic, timeout: o.timeout }) + ';</script>\n' +
      '<script type="module" src="./main.js"></script>\n'
  );

  const vite = require('vite');
  const outDir = path.join(app, 'dist');
  const warnings = [];
  await vite.build({
    root: app,
    configFile: false,
    logLevel: 'silent',
    // The 500 kB chunk warning is expected: the app carries mqtt.wasm.js and mqtt.fallback.js.
    build: { outDir, emptyOutDir: true, minify: true, reportCompressedSize: false, chunkSizeWarningLimit: 4096 },
    customLogger: {
      info() {},
      warn: (m) => warnings.push(m),
      warnOnce: (m) => warnings.push(m),
      error: (m) => warnings.push(m),
      clearScreen() {},
      hasErrorLogged: () => false,
      hasWarned: false,
    },
  });
  const assets = fs.readdirSync(path.join(outDir, 'assets'));
  const jsBytes = assets.filter((f) => f.endsWith('.js')).reduce((n, f) => n + fs.statSync(path.join(outDir, 'assets', f)).size, 0);
  const site = await serve(outDir);
  try {
    const { value, version } = await evaluateInPage(site.url, 'window.__matrix', o.timeout + 5000);
    const detail = 'vite ' + vite.version + ' build (' + jsBytes + ' B of JS in ' + assets.length + ' assets) in ' + version + (warnings.length ? '; vite warned: ' + warnings.join(' | ').slice(0, 300) : '');
    return value && value.ok === false ? { ok: false, error: value.error, detail } : Object.assign({ ok: true, detail }, value);
  } finally {
    await site.close();
  }
}

module.exports = { run };
