'use strict';
/**
 * Headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol with the
 * `ws` package: a page served from a local http server on 127.0.0.1 runs the round trip, and
 * the driver awaits the page's `window.__matrix` promise with Runtime.evaluate.
 *
 * The browser runs with a fresh profile and every background service off, in its own
 * process group, which is killed when the driver finishes (or the matrix kills the driver).
 */
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.map': 'application/json' };

function chromiumBinary() {
  const bin = CHROMIUM.find((p) => fs.existsSync(p));
  if (!bin) throw new Error('chromium is not installed (apt-get install -y chromium)');
  return bin;
}

/** Serves `dir` on 127.0.0.1 (static files only, no directory listing). */
function serve(dir) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(dir, rel);
    if (!file.startsWith(path.resolve(dir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ url: 'http://127.0.0.1:' + server.address().port + '/', close: () => new Promise((r) => server.close(r)) }));
  });
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(e);
        }
      });
    }).on('error', reject);
  });
}

/**
 * Opens `pageUrl` in a fresh headless Chromium and evaluates `expression` (awaiting a promise).
 * @returns {Promise<{value: any, version: string, console: string[]}>}
 */
async function evaluateInPage(pageUrl, expression, timeoutMs) {
  const WS = require('ws');
  const bin = chromiumBinary();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--no-default-browser-check', '--disable-dev-shm-usage', '--disable-extensions',
    '--user-data-dir=' + profile, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank',
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const kill = () => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch (_) {
      // already gone
    }
  };
  process.on('exit', kill);
  let ws;
  try {
    const endpoint = await new Promise((resolve, reject) => {
      let err = '';
      const t = setTimeout(() => reject(new Error('chromium did not start: ' + err.slice(-500))), 30000);
      proc.stderr.on('data', (d) => {
        err += d;
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error('chromium exited with ' + code + ': ' + err.slice(-500)));
      });
    });
    const port = new URL(endpoint).port;
    const version = (await getJson('http://127.0.0.1:' + port + '/json/version')).Browser;
    ws = new WS(endpoint, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let seq = 0;
    const pending = new Map();
    const consoleLines = [];
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw);
      if (msg.id && pending.has(msg.id)) {
        const { resolve, reject } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) reject(new Error('CDP: ' + msg.error.message));
        else resolve(msg.result);
      } else if (msg.method === 'Runtime.consoleAPICalled') {
        consoleLines.push(msg.params.type + ': ' + msg.params.args.map((a) => (a.value !== undefined ? a.value : a.description)).join(' '));
      } else if (msg.method === 'Runtime.exceptionThrown') {
        consoleLines.push('exception: ' + (msg.params.exceptionDetails.exception || {}).description);
      }
    });
    const send = (method, params, sessionId) =>
      new Promise((resolve, reject) => {
        const id = ++seq;
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params: params || {}, sessionId }));
      });
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    await send('Runtime.enable', {}, sessionId);
    await send('Page.enable', {}, sessionId);
    await send('Page.navigate', { url: pageUrl }, sessionId);
    const deadline = Date.now() + timeoutMs;
    // The page defines window.__matrix once its scripts ran; poll until then.
    for (;;) {
      const probe = await send('Runtime.evaluate', { expression: 'typeof window.__matrix', returnByValue: true }, sessionId);
      if (probe.result.value === 'object') break;
      if (Date.now() > deadline) throw new Error('the page never defined window.__matrix; console: ' + consoleLines.slice(-5).join(' | '));
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true, timeout: timeoutMs }, sessionId);
    if (r.exceptionDetails) throw new Error('page threw: ' + (r.exceptionDetails.exception || {}).description + '; console: ' + consoleLines.slice(-5).join(' | '));
    return { value: r.result.value, version, console: consoleLines };
  } finally {
    if (ws) ws.terminate();
    kill();
    process.removeListener('exit', kill);
    // Chromium may still be writing to the profile for a moment after SIGKILL.
    for (let i = 0; i < 10; i++) {
      try {
        fs.rmSync(profile, { recursive: true, force: true });
        break;
      } catch (_) {
        execFileSync('sleep', ['0.1']);
      }
    }
  }
}

const PAGE_DRIVER = `window.__matrix = new Promise(function (resolve) {
  mpmqttRoundTrip(mqtt, window.__brokerUrl, window.__rt, function (err, report) {
    resolve(err ? { ok: false, error: String(err && err.message || err) } : report);
  });
});`;

/**
 * Environment 7: `<script src=mqtt.wasm.js>` + `<script src=mqtt.min.js>` (global `mqtt`),
 * against the broker's WebSocket listener.
 */
async function runPackagePage(cfg, o) {
  const dir = path.join(cfg.work, 'site');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['mqtt.min.js', 'mqtt.wasm.js']) fs.copyFileSync(path.join(cfg.dist, f), path.join(dir, f));
  fs.copyFileSync(o.roundtrip, path.join(dir, 'roundtrip.js'));
  fs.writeFileSync(path.join(dir, 'driver.js'), PAGE_DRIVER);
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>mpmqtt matrix</title>\n' +
      '<script>window.__brokerUrl = ' + JSON.stringify(cfg.wsUrl + '/mqtt') + '; window.__rt = ' + JSON.stringify({ clientId: o.clientId, topic: o.topic, timeout: o.timeout }) + ';</script>\n' +
      '<script src="mqtt.wasm.js"></script>\n<script src="mqtt.min.js"></script>\n<script src="roundtrip.js"></script>\n<script src="driver.js"></script>\n'
  );
  const site = await serve(dir);
  try {
    const { value, version } = await evaluateInPage(site.url, 'window.__matrix', o.timeout + 5000);
    const detail = version + '; <script> mqtt.wasm.js + mqtt.min.js';
    return value && value.ok === false ? { ok: false, error: value.error, detail } : Object.assign({ ok: true, detail }, value);
  } finally {
    await site.close();
  }
}

module.exports = { runPackagePage, evaluateInPage, serve, PAGE_DRIVER };
