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
const { waitFor: pollUntil } = require('../../reliability/harness');

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
  // One polling loop for all test helpers (tests/reliability/harness.js), other argument order.
  return pollUntil(pred, timeout, what)
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

/**
 * Connects with our bundle; resolves {client, connack, errors, got} on the first 'connect'.
 * `got` collects messages from the start: a resumed session's queued messages can be
 * dispatched right behind the CONNACK, before an await after this call would resume.
 */
async function connectOurs(url, opts = {}) {
  const client = ours().connect(url, Object.assign({ reconnectPeriod: 0, connectTimeout: 5000 }, opts));
  const errors = [];
  client.on('error', (e) => errors.push(e));
  const got = collect(client);
  const connack = await firstConnect(client, ['close'], () => 'our client closed before connecting: ' + errors.map((e) => e.message).join('; '));
  return { client, connack, errors, got };
}

/** Connects an MQTT.js 5.16.0 peer; resolves {client, connack, got}. */
async function connectPeer(url, opts = {}) {
  const client = mqttjs().connect(url, Object.assign({ reconnectPeriod: 0, connectTimeout: 5000 }, opts));
  const got = collect(client);
  const connack = await firstConnect(client, ['error'], (f, e) => 'MQTT.js peer failed to connect: ' + (e && e.message));
  return { client, connack, got };
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
 * Walks the broker-to-client side of a WebSocket connection: the HTTP upgrade response,
 * then frames (unmasked, as servers send them), and inside the binary frames the MQTT packet
 * stream (fixed header only). `push(chunk)` returns complete WebSocket frames, each with the
 * MQTT packet types that finished in it.
 */
function downstreamWalker() {
  let pending = Buffer.alloc(0);
  let upgraded = false;
  let mqtt = Buffer.alloc(0);
  function mqttTypes(payload) {
    mqtt = Buffer.concat([mqtt, payload]);
    const types = [];
    for (;;) {
      if (mqtt.length < 2) break;
      let len = 0;
      let mul = 1;
      let i = 1;
      let done = false;
      for (; i < 5 && i < mqtt.length; i++) {
        len += (mqtt[i] & 0x7f) * mul;
        mul *= 128;
        if (!(mqtt[i] & 0x80)) {
          done = true;
          break;
        }
      }
      if (!done || mqtt.length < i + 1 + len) break;
      types.push(mqtt[0] >> 4);
      mqtt = mqtt.subarray(i + 1 + len);
    }
    return types;
  }
  return {
    push(chunk) {
      pending = Buffer.concat([pending, chunk]);
      const out = [];
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return out;
        out.push({ bytes: pending.subarray(0, end + 4), types: [] });
        pending = pending.subarray(end + 4);
        upgraded = true;
      }
      for (;;) {
        if (pending.length < 2) break;
        const opcode = pending[0] & 0x0f;
        let len = pending[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (pending.length < 4) break;
          len = pending.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (pending.length < 10) break;
          len = Number(pending.readBigUInt64BE(2));
          off = 10;
        }
        if (pending.length < off + len) break;
        const payload = pending.subarray(off, off + len);
        out.push({ bytes: pending.subarray(0, off + len), types: opcode === 2 || opcode === 0 ? mqttTypes(payload) : [] });
        pending = pending.subarray(off + len);
      }
      return out;
    },
  };
}

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort` (a WebSocket listener). `cut()` destroys
 * every link at once (the broker sees the socket die without DISCONNECT);
 * `blackhole('down'|'up')` silently drops what the broker sends to the client (down) or the
 * client to the broker (up) until `cut()`; `refuse(true)` closes new connections at once (the
 * broker looks unreachable); `cutOnDown(type)` cuts the link instead of delivering the first
 * WebSocket frame from the broker that completes an MQTT packet of that type (7 = PUBCOMP...).
 */
async function tcpProxy(targetPort) {
  const links = new Set();
  let drop = null;
  let refusing = false;
  let cutOn = null;
  let accepted = 0;
  const cutLink = (l) => {
    links.delete(l);
    l.client.destroy();
    l.upstream.destroy();
  };
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const link = { client, upstream };
    const walker = downstreamWalker();
    links.add(link);
    client.on('data', (d) => {
      if (drop !== 'up') upstream.write(d);
    });
    upstream.on('data', (d) => {
      for (const frame of walker.push(d)) {
        if (!links.has(link)) return;
        if (cutOn !== null && frame.types.includes(cutOn)) {
          cutOn = null;
          cutLink(link);
          return;
        }
        if (drop !== 'down') client.write(frame.bytes);
      }
    });
    const close = () => cutLink(link);
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
    /** Connections forwarded so far. */
    get accepted() {
      return accepted;
    },
    /** True until an armed cutOnDown has fired. */
    get armed() {
      return cutOn !== null;
    },
    refuse(on) {
      refusing = !!on;
    },
    blackhole(direction) {
      drop = direction;
    },
    cutOnDown(type) {
      cutOn = type;
    },
    cut() {
      drop = null;
      for (const l of [...links]) cutLink(l);
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
