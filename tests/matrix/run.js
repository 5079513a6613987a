'use strict';
/**
 * The platform matrix: one MQTT round trip (tests/matrix/roundtrip.js) per environment
 * against one Mosquitto broker on 127.0.0.1, each environment in its own child process
 * (tests/matrix/env.js) with a time limit. Prints one row per environment and exits 1 when
 * any row FAILs.
 *
 *   scripts/matrix                 every environment
 *   scripts/matrix quickjs node    only these
 *
 * Before running it brings dist/ up to date (scripts/bundle.js, scripts/build-fallback; both
 * need build/wasm from scripts/build-wasm) and installs Debian's chromium when missing.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const ENV_TIMEOUT = 90000;

/** [name, node flags, what it exercises] in the order of the issue. */
const ENVIRONMENTS = [
  ['wechat', [], 'WeChat emulation, WXWebAssembly + mqtt.wasm.br'],
  ['alipay-wasm', [], 'Alipay emulation with WebAssembly + mqtt.wasm.js'],
  ['alipay-nowasm', [], 'Alipay emulation without WebAssembly: mqtt.fallback.js'],
  ['node', [], 'Node, WebAssembly + mqtt.wasm'],
  ['node-jitless', ['--jitless'], 'node --jitless (no WebAssembly): mqtt.fallback.js'],
  ['node-forcefallback', [], 'Node with WebAssembly but forceFallback: mqtt.fallback.js'],
  ['quickjs', [], 'QuickJS (no WebAssembly, host socket bridge): mqtt.fallback.js'],
  ['chromium', [], 'headless Chromium, <script> mqtt.min.js + mqtt.wasm.js'],
  ['vite', [], 'vite build of an app depending on the package, in Chromium'],
  ['tt', [], 'ByteDance (Douyin/Feishu) emulation, tt.connectSocket, no WebAssembly: mqtt.fallback.js'],
  ['tt-wasm', [], 'ByteDance emulation with WebAssembly + mqtt.wasm.js'],
  ['qq', [], 'QQ emulation, qq.connectSocket: mqtt.fallback.js'],
  ['swan', [], 'Baidu emulation, swan.connectSocket: mqtt.fallback.js'],
  ['dd', [], 'DingTalk emulation, dd.connectSocket (Alipay single-socket API, base64): mqtt.fallback.js'],
  ['ks', [], 'Kuaishou emulation, ks.connectSocket: mqtt.fallback.js'],
  ['uni-app', [], 'uni-app App runtime emulation, uni.connectSocket: mqtt.fallback.js'],
  ['taro', [], 'Taro.connectSocket (Promise of a SocketTask) passed as connectSocket: mqtt.fallback.js'],
  ['jsc-nojit', [], 'jsc --useJIT=false, WXWebAssembly (path only) over the interpreter, scripted broker in jsc'],
  ['jsc-nojit-wasm2js', [], 'jsc --useJIT=false without WebAssembly: mqtt.fallback.js, scripted broker in jsc'],
];

function say(msg) {
  process.stdout.write('[matrix] ' + msg + '\n');
}

/** Builds what the environments load; fails the whole matrix when it cannot. */
function prepareDist() {
  for (const f of ['mpmqtt_bg.wasm', 'mpmqtt_bg.js']) {
    if (!fs.existsSync(path.join(ROOT, 'build', 'wasm', f))) throw new Error('build/wasm/' + f + ' missing: run scripts/build-wasm first');
  }
  for (const cmd of [[process.execPath, [path.join(ROOT, 'scripts', 'bundle.js')]], [process.execPath, [path.join(ROOT, 'scripts', 'build-fallback')]]]) {
    const r = spawnSync(cmd[0], cmd[1], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(path.basename(cmd[1][0]) + ' failed:\n' + r.stdout + r.stderr);
    const sizes = (r.stdout.match(/^.*(bytes|OVER|within).*$/gm) || []).filter((l) => /fallback|mqtt\.min\.js/.test(l));
    sizes.forEach((l) => say(l.replace(/^\[build-fallback\] /, '')));
  }
}

/** Debian's chromium, installed on first use (scripts/setup should install it instead). */
function ensureChromium() {
  if (fs.existsSync('/usr/bin/chromium')) return null;
  if (process.getuid && process.getuid() !== 0) return 'chromium is not installed and this user cannot apt-get install it';
  say('installing chromium (apt-get install -y chromium); add it to scripts/setup');
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { encoding: 'utf8', env: Object.assign({}, process.env, { DEBIAN_FRONTEND: 'noninteractive' }) });
  if (r.status !== 0) return 'apt-get install chromium failed: ' + (r.stderr || '').trim().split('\n').slice(-2).join(' ');
  return null;
}

async function startBroker() {
  try {
    const { startMosquitto } = require('../support/mosquitto');
    const m = await startMosquitto();
    return { kind: 'mosquitto', wsUrl: m.wsUrl, stop: () => m.stop() };
  } catch (err) {
    say('mosquitto unavailable (' + err.message + '); using aedes');
    const { startAedes } = require('../support/aedes');
    const b = await startAedes({ path: ['/mqtt'] });
    return { kind: 'aedes', wsUrl: b.url.replace(/\/mqtt$/, ''), stop: () => b.stop() };
  }
}

/** Runs one environment in a child process group; resolves with its result row. */
function runEnv(name, flags, cfg) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...flags, path.join(__dirname, 'env.js'), name, JSON.stringify(cfg)], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: Object.assign({}, process.env, { NODE_PATH: path.join(ROOT, 'node_modules') }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (_) {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      err += '\n(killed after ' + ENV_TIMEOUT + ' ms)';
      killGroup();
    }, ENV_TIMEOUT);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Anything the environment left behind (a browser, a socket) goes with its group.
      killGroup();
      const line = out.split('\n').find((l) => l.startsWith('MATRIX-RESULT '));
      let result;
      try {
        result = line ? JSON.parse(line.slice('MATRIX-RESULT '.length)) : null;
      } catch (_) {
        result = null;
      }
      if (!result) {
        const tail = (err.trim() || out.trim()).split('\n').filter((l) => !/^Warning: disabling flag/.test(l)).slice(-4).join(' | ');
        result = { ok: false, error: 'no result (exit ' + (signal || code) + '): ' + tail };
      }
      result.wall = Date.now() - started;
      resolve(result);
    });
  });
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !ENVIRONMENTS.some((e) => e[0] === w));
  if (unknown.length) {
    console.error('matrix: unknown environment(s) ' + unknown.join(', ') + '; known: ' + ENVIRONMENTS.map((e) => e[0]).join(', '));
    process.exit(2);
  }
  const envs = ENVIRONMENTS.filter((e) => !wanted.length || wanted.includes(e[0]));
  const t0 = Date.now();
  prepareDist();
  const noChromium = envs.some((e) => e[0] === 'chromium' || e[0] === 'vite') ? ensureChromium() : null;
  const broker = await startBroker();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-matrix-'));
  say('broker: ' + broker.kind + ' ' + broker.wsUrl + '; ' + envs.length + ' environment(s)');
  const rows = [];
  try {
    for (const [name, flags, what] of envs) {
      let r;
      if (noChromium && (name === 'chromium' || name === 'vite')) r = { ok: false, error: noChromium, wall: 0 };
      else {
        const dir = path.join(work, name);
        fs.mkdirSync(dir);
        r = await runEnv(name, flags, { wsUrl: broker.wsUrl, dist: DIST, work: dir });
      }
      const row = (r.ok ? 'PASS' : 'FAIL') + '  ' + name.padEnd(18) + String(r.ok ? r.ms + ' ms' : '-').padStart(8) + String(r.wall + ' ms').padStart(10) +
        '  ' + (r.core || '-').padEnd(13) + ' ' + what + (r.detail ? ' [' + r.detail + ']' : '') + (r.ok ? '' : '\n        ' + r.error);
      rows.push(row);
      console.log(row);
    }
  } finally {
    await broker.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const failed = rows.filter((r) => r.startsWith('FAIL')).length;
  console.log('matrix: ' + (rows.length - failed) + ' passed, ' + failed + ' failed in ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s (columns: round trip, wall incl. start-up, core)');
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error('matrix: ' + (err && err.message ? err.message : err));
  process.exit(1);
});
