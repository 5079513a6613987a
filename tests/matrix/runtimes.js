'use strict';
/**
 * Matrix rows for the other mini-program runtimes (tests/emulation/runtimes.js): a page that
 * requires the universal mqtt.min.js runs the round trip in the emulated tt, qq, swan, ks,
 * dd or uni logic layer. None of them documents WebAssembly in the logic layer, so the page
 * ships mqtt.fallback.js (and no wasm) unless the row asks for WebAssembly. The `taro` row
 * runs on the emulated ByteDance runtime with the page passing `connectSocket` as Taro does:
 * a function returning a Promise of the SocketTask (Taro.connectSocket).
 */
const fs = require('fs');
const path = require('path');

const ROUNDTRIP = path.join(__dirname, 'roundtrip.js');

function uniq(name) {
  return name + '-' + process.pid + '-' + Math.random().toString(16).slice(2, 8);
}

/** Taro.connectSocket as Taro documents it: (option) => Promise<SocketTask>, over tt. */
const TARO_SHIM = 'function taroConnectSocket(option) { return new Promise(function (resolve) { resolve(tt.connectSocket(option)); }); }';

/**
 * @param {{wsUrl: string, dist: string, work: string}} cfg
 * @param {string} runtime  tt, qq, swan, ks, dd, uni, or taro
 * @param {{timeout: number, webAssembly?: boolean}} o
 */
async function run(cfg, runtime, o) {
  const { runPage } = require('../emulation/runner');
  const platform = runtime === 'taro' ? 'tt' : runtime;
  const root = path.join(cfg.work, 'project');
  const shipped = o.webAssembly ? ['mqtt.min.js', 'mqtt.wasm.js'] : ['mqtt.min.js', 'mqtt.fallback.js'];
  fs.mkdirSync(path.join(root, 'utils'), { recursive: true });
  for (const n of shipped) {
    const src = path.join(cfg.dist, n);
    if (!fs.existsSync(src)) throw new Error('missing ' + src + ' (node scripts/bundle.js, scripts/build-fallback)');
    fs.copyFileSync(src, path.join(root, 'utils', n));
  }
  fs.copyFileSync(ROUNDTRIP, path.join(root, 'utils', 'roundtrip.js'));
  const extra = runtime === 'taro' ? ', connectSocket: taroConnectSocket' : '';
  const files = {
    'app.json': JSON.stringify({ pages: ['pages/index/index'] }),
    'app.js': 'App({})',
    'pages/index/index.js': `
      var mqtt = require('../../utils/mqtt.min.js');
      var roundTrip = require('../../utils/roundtrip.js');
      ${runtime === 'taro' ? TARO_SHIM : ''}
      var connect = mqtt.connect;
      mqtt.connect = function (url, opts) { return connect(url, Object.assign({}, opts${extra ? ', {' + extra.slice(2) + '}' : ''})); };
      Page({
        data: { result: '' },
        onLoad: function () {
          var page = this;
          roundTrip(mqtt, 'wss://broker.example.com/mqtt', { clientId: ${JSON.stringify(uniq(runtime))}, topic: ${JSON.stringify('mpmqtt/matrix/' + uniq(runtime))}, timeout: ${o.timeout} },
            function (err, report) { page.setData({ result: JSON.stringify(err ? { ok: false, error: String(err && err.message || err) } : Object.assign({ ok: true }, report)) }); });
        },
      });`,
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  const page = await runPage(root, 'pages/index/index', {
    platform,
    rewrite: { 'wss://broker.example.com': cfg.wsUrl },
    webAssembly: !!o.webAssembly,
    hideCloseDelay: 100,
  });
  try {
    await page.waitFor((d) => d.result, { timeout: o.timeout + 2000, what: 'the round trip' });
    const r = JSON.parse(page.data.result);
    const used = page.sockets.length ? page.sockets[0].url : 'no socket';
    r.detail = 'global ' + platform + (runtime === 'taro' ? ' + Promise connectSocket option' : '') + '; shipped ' + shipped.join(' + ') + '; ' + page.sockets.length + ' socket(s), ' + used;
    // The page had to go through this runtime's socket API, not some other transport.
    if (r.ok && page.sockets.length === 0) return { ok: false, error: 'no socket went through ' + platform + '.connectSocket' };
    return r;
  } finally {
    page.close();
  }
}

module.exports = { run };
