'use strict';
/**
 * Shared pieces of the broker integration tests: our shipped bundle (dist/mqtt.min.js, which
 * uses the `ws` package in Node), MQTT.js 5.16.0 as a peer, Debian's mosquitto_pub/sub as
 * peers on the TCP listener, a TCP proxy that can cut or blackhole the link, and waits.
 * Everything listens on 127.0.0.1; every child process is killed by pid in `finally`.
 */
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const REPO = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(REPO, 'dist', 'mqtt.min.js');
const distMissing = !fs.existsSync(DIST) && 'dist/mqtt.min.js not built (scripts/build-wasm && node scripts/bundle.js)';

/** Our bundle, loaded lazily so a missing build skips instead of crashing the file. */
function ours() {
  return require(DIST);
}

const mqttjs = () => require('mqtt');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves when pred() is truthy (polled every 10 ms); rejects naming `what` after timeout. */
function waitFor(pred, what = 'condition', timeout = 5000) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      let r;
      try {
        r = pred();
      } catch (e) {
        return reject(e);
      }
      if (r) return resolve(r);
      if (Date.now() - start > timeout) return reject(new Error(`timed out after ${timeout} ms waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** The next `event` of `emitter` (its arguments as an array); rejects after timeout. */
function once(emitter, event, timeout = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, on);
      reject(new Error(`timed out after ${timeout} ms waiting for '${event}'`));
    }, timeout);
    function on(...args) {
      clearTimeout(timer);
      emitter.removeListener(event, on);
      resolve(args);
    }
    emitter.on(event, on);
  });
}

/** Records every 'message' of an MQTT.js-shaped client: {topic, payload: Buffer, packet}. */
function collect(client) {
  const list = [];
  client.on('message', (topic, payload, packet) => list.push({ topic, payload: Buffer.from(payload), packet }));
  return list;
}

/**
 * Resolves with the arguments of `client`'s first 'connect'; rejects on the first of
 * `failures` (event names) or after timeout. Leaves no listener or timer behind.
 */
function firstConnect(client, failures, describe, timeout = 8000) {
  return new Promise((resolve, reject) => {
    const listeners = {};
    const finish = (fn, v) => {
      clearTimeout(timer);
      for (const k of Object.keys(listeners)) client.removeListener(k, listeners[k]);
      fn(v);
    };
    const timer = setTimeout(() => finish(reject, new Error(`no 'connect' within ${timeout} ms`)), timeout);
    listeners.connect = (connack) => finish(resolve, connack);
    for (const f of failures) listeners[f] = (e) => finish(reject, new Error(describe(f, e)));
    for (const k of Object.keys(listeners)) client.on(k, listeners[k]);
  });
}

/** Connects with our bundle; resolves {client, connack, errors} on the first 'connect'. */
async function connectOurs(url, opts = {}) {
  const client = ours().connect(url, Object.assign({ reconnectPeriod: 0, connectTimeout: 5000 }, opts));
  const errors = [];
  client.on('error', (e) => errors.push(e));
  const connack = await firstConnect(client, ['close'], () => 'our client closed before connecting: ' + errors.map((e) => e.message).join('; '));
  return { client, connack, errors };
}

/** Connects an MQTT.js 5.16.0 peer; resolves {client, connack}. */
async function connectPeer(url, opts = {}) {
  const client = mqttjs().connect(url, Object.assign({ reconnectPeriod: 0, connectTimeout: 5000 }, opts));
  const connack = await firstConnect(client, ['error'], (f, e) => 'MQTT.js peer failed to connect: ' + (e && e.message));
  return { client, connack };
}

/** Resolves with `promise`'s value, or with `fallback` after `ms` (no timer left behind). */
function within(promise, ms, fallback) {
  let timer;
  return Promise.race([promise, new Promise((r) => (timer = setTimeout(() => r(fallback), ms)))]).finally(() => clearTimeout(timer));
}

/** Ends any MQTT.js-shaped client (ours or a peer) forcibly; never throws, never hangs. */
function endQuietly(client) {
  if (!client) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    try {
      client.end(true, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch (e) {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Promise form of subscribe/publish/unsubscribe for any MQTT.js-shaped client. */
function call(client, method, ...args) {
  return new Promise((resolve, reject) => client[method](...args, (err, a, b) => (err ? reject(err) : resolve([a, b]))));
}

const tempDirs = new Set();
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A file holding `bytes`, for mosquitto_pub -f (binary payloads cannot go through argv). */
function payloadFile(bytes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-it-'));
  tempDirs.add(dir);
  const f = path.join(dir, 'payload.bin');
  fs.writeFileSync(f, bytes);
  return f;
}

/**
 * mosquitto_sub on the broker's TCP listener. Each message is one line
 * "MSG topic|qos|retain|hexpayload". `ready` resolves once its SUBACK arrived (-d debug
 * output), `exited` when the process ends (with -C N after N messages).
 */
function mosquittoSub(port, topics, { qos = 2, count, id, extra = [] } = {}) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-q', String(qos), '-d', '-F', 'MSG %t|%q|%r|%x'];
  for (const t of [].concat(topics)) args.push('-t', t);
  if (count) args.push('-C', String(count));
  if (id) args.push('-i', id);
  args.push(...extra);
  // Line-buffered, or its output (SUBACK included) sits in a pipe buffer until it exits.
  const proc = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages = [];
  let buf = '';
  let subacked = false;
  let log = '';
  proc.stdout.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('MSG ')) {
        const [topic, q, r, hex] = line.slice(4).split('|');
        messages.push({ topic, qos: Number(q), retain: r === '1', payload: Buffer.from(hex, 'hex') });
      } else {
        log += line + '\n';
        if (/received SUBACK/.test(line)) subacked = true;
      }
    }
  });
  proc.stderr.on('data', (d) => {
    log += d.toString();
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    messages,
    get log() {
      return log;
    },
    ready: waitFor(() => subacked || proc.exitCode !== null, 'mosquitto_sub SUBACK', 5000).then(() => {
      if (!subacked) throw new Error('mosquitto_sub exited before subscribing: ' + log);
    }),
    exited,
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
}

/**
 * Runs mosquitto_pub once; resolves with its exit code (rejects with its output on failure).
 * `payload` is a Buffer (sent with -f) or a string (-m); `extra` adds flags (-r, -V 5, -D ...).
 */
function mosquittoPub(port, topic, payload, { qos = 0, extra = [] } = {}) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-q', String(qos)];
  if (Buffer.isBuffer(payload)) args.push('-f', payloadFile(payload));
  else args.push('-m', String(payload));
  args.push(...extra);
  return new Promise((resolve, reject) => {
    const proc = spawn('mosquitto_pub', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d.toString();
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(code);
      else reject(new Error(`mosquitto_pub exited ${code}: ${err.trim()}`));
    });
  });
}

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort`. `cut()` destroys every link at once
 * (the broker sees the socket die without DISCONNECT); `blackhole('down'|'up')` silently drops
 * what the broker sends to the client (down) or the client to the broker (up) until `cut()`.
 */
async function tcpProxy(targetPort) {
  const links = new Set();
  let drop = null;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const link = { client, upstream };
    links.add(link);
    client.on('data', (d) => {
      if (drop !== 'up') upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (drop !== 'down') client.write(d);
    });
    const close = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    port,
    get links() {
      return links.size;
    },
    blackhole(direction) {
      drop = direction;
    },
    cut() {
      drop = null;
      for (const l of [...links]) {
        l.client.destroy();
        l.upstream.destroy();
      }
      links.clear();
    },
    stop() {
      this.cut();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** All 256 byte values, in order. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** `n` bytes of a deterministic pseudo-random pattern (so a misplaced chunk is visible). */
function patternBytes(n, seed = 1) {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

module.exports = {
  REPO,
  DIST,
  distMissing,
  ours,
  mqttjs,
  sleep,
  waitFor,
  once,
  collect,
  firstConnect,
  connectOurs,
  within,
  connectPeer,
  endQuietly,
  call,
  mosquittoSub,
  mosquittoPub,
  tcpProxy,
  payloadFile,
  ALL_BYTES,
  patternBytes,
};
