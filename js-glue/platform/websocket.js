'use strict';
/**
 * Browsers/H5 and Node: the global WebSocket, or the `ws` package in Node (required lazily
 * and kept out of the bundle). Wasm: the `mqtt.wasm` file beside the bundle in Node, the
 * embedded base64 module elsewhere.
 */

const { exactArrayBuffer, toBytes, socketLatch, failedSocket, randomBytes, jsonBody, closeCode, closeReason } = require('./common');
const { CLOUD_SIGNING } = require('../build-flags');
const { toError } = require('../shared/errors');
const { embeddedWasmBytes, instantiateStandard } = require('./embedded-wasm');
const { tlsOptions } = require('./node-tcp');
// --- no-WebAssembly fallback hook (js-glue/platform/fallback.js) ---
const { wantsFallback, instantiateFallback } = require('./fallback');

function isNode() {
  return typeof process !== 'undefined' && !!process.versions && !!process.versions.node;
}

/**
 * The WebSocket constructor to use and whether it accepts a third options argument (headers).
 * @returns {{Ctor: Function, node: boolean}}
 */
function webSocketClass(opts) {
  if (typeof opts.WebSocket === 'function') return { Ctor: opts.WebSocket, node: false };
  if (isNode()) {
    // `ws` can send headers, which Node's own WebSocket (22+) cannot; prefer it when installed.
    try {
      return { Ctor: require('ws'), node: true };
    } catch (err) {
      if (typeof WebSocket === 'function') return { Ctor: WebSocket, node: false };
      throw new Error('mpmqtt: in Node the ws package is needed (npm install ws): ' + err.message);
    }
  }
  if (typeof WebSocket === 'function') return { Ctor: WebSocket, node: false };
  throw new Error('mpmqtt: no WebSocket implementation in this runtime');
}

/**
 * @param {object} options  client options: `WebSocket` (constructor to use), `wasmPath`
 *   (Node: path of mqtt.wasm), `wasmBytes` (the wasm module's bytes)
 */
function createWebSocketPlatform(options) {
  const opts = options || {};

  function openSocket(url, sockOpts, on) {
    const so = sockOpts || {};
    const latch = socketLatch(on, () => {});
    let socket;
    let node = false;
    try {
      const ws = webSocketClass(opts);
      const Ctor = ws.Ctor;
      node = ws.node;
      const protocols = so.protocols || ['mqtt'];
      socket = node
        ? // Top-level ca/cert/key/rejectUnauthorized… apply to wss:// as in MQTT.js; wsOptions win.
          new Ctor(url, protocols, Object.assign(tlsOptions(opts), so.wsOptions, so.headers ? { headers: so.headers } : {}))
        : new Ctor(url, protocols);
    } catch (err) {
      return failedSocket(latch, err);
    }
    // `ws` hands Buffers (views of what it read) as they are; 'arraybuffer' would make it
    // copy each message into an ArrayBuffer of its own first, which the core copies again.
    socket.binaryType = node ? 'nodebuffer' : 'arraybuffer';
    const fail = (err) => {
      if (!latch._fail(err)) return;
      try {
        socket.close();
      } catch (_) {
        // the grace timer reports the close
      }
    };
    socket.onopen = () => latch._open();
    socket.onmessage = (ev) => {
      if (!latch._live) return;
      let bytes;
      try {
        bytes = toBytes(ev.data);
      } catch (err) {
        fail(err);
        return;
      }
      latch._message(bytes);
    };
    socket.onerror = (ev) => {
      const err = new Error('WebSocket error' + (ev && ev.message ? ': ' + ev.message : ''));
      // Node's cause (ECONNREFUSED, ENOTFOUND…) for a socket that failed to open, as MQTT.js
      // reports it; browsers give none.
      const cause = ev && ev.error;
      if (latch._state === 'connecting' && cause && typeof cause.code === 'string') err.code = cause.code;
      fail(err);
    };
    socket.onclose = (ev) => latch._close(ev && ev.code, ev && ev.reason);
    return {
      send(bytes) {
        if (latch._state !== 'open') return;
        try {
          socket.send(exactArrayBuffer(bytes));
        } catch (err) {
          fail(toError(err));
        }
      },
      close(code, reason) {
        if (!latch._live) return;
        const c = closeCode(code);
        const r = closeReason(reason);
        latch._closing(c, r);
        try {
          socket.close(c, r);
        } catch (_) {
          // the grace timer reports the close
        }
      },
    };
  }

  function nodeWasmBytes() {
    const fs = require('fs');
    const path = require('path');
    const candidates = [];
    if (opts.wasmPath) candidates.push(opts.wasmPath);
    // In the bundle __dirname is the folder of mqtt.min.js, where the build puts mqtt.wasm.
    else if (typeof __dirname === 'string') candidates.push(path.join(__dirname, 'mqtt.wasm'));
    const failures = [];
    for (const file of candidates) {
      try {
        return fs.readFileSync(file);
      } catch (err) {
        failures.push(file + ' (' + (err.code || err.message) + ')');
      }
    }
    throw new Error(
      'mpmqtt: could not read the WebAssembly core. Tried ' +
        (failures.length ? failures.join('; ') : 'nothing (no wasmPath and no __dirname)') +
        '. Keep mqtt.wasm beside mqtt.min.js or pass its path as the wasmPath option'
    );
  }

  function instantiateWasm(imports) {
    const engine = opts.WebAssembly || (typeof WebAssembly !== 'undefined' ? WebAssembly : undefined);
    // --- no-WebAssembly fallback hook: node --jitless, engines without WebAssembly ---
    if (wantsFallback(opts, engine)) {
      return instantiateFallback(opts, imports, opts.forceFallback ? '' : 'this runtime has no WebAssembly');
    }
    // A wasm file that cannot be read rejects like a failed instantiation.
    return Promise.resolve().then(() =>
      instantiateStandard(engine, opts.wasmBytes || !isNode() ? embeddedWasmBytes(opts) : nodeWasmBytes(), imports)
    );
  }

  function watchLifecycle(hooks) {
    const doc = typeof document !== 'undefined' ? document : undefined;
    const win = typeof window !== 'undefined' ? window : undefined;
    let active = true;
    const onVisibility = () => {
      if (!active) return;
      if (doc.hidden) hooks.hide();
      else hooks.show();
    };
    const listeners = [
      [doc, 'visibilitychange', onVisibility],
      [win, 'online', () => active && hooks.online()],
      [win, 'offline', () => active && hooks.offline()],
    ];
    const each = (method) =>
      listeners.forEach(([target, type, fn]) => {
        if (target && typeof target[method] === 'function') target[method](type, fn);
      });
    each('addEventListener');
    return () => {
      if (!active) return;
      active = false;
      each('removeEventListener');
    };
  }

  function request(req) {
    const doFetch = opts.fetch || (typeof fetch === 'function' ? fetch : undefined);
    if (!doFetch) return Promise.reject(new Error('mpmqtt: this runtime has no fetch'));
    const body = jsonBody(req.headers, req.data);
    let data = body.data;
    if (data !== undefined && data !== null && typeof data === 'object' && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
      data = JSON.stringify(data);
    }
    const init = { method: req.method || 'GET', headers: body.headers };
    if (data !== undefined && init.method !== 'GET' && init.method !== 'HEAD') init.body = data;
    return doFetch(req.url, init).then((res) => {
      const headers = {};
      res.headers.forEach((value, key) => {
        headers[key] = value;
      });
      if (req.responseType === 'arraybuffer') {
        return res.arrayBuffer().then((buf) => ({ status: res.status, headers, data: buf }));
      }
      // Parse JSON when possible, as wx.request and my.request do by default.
      return res.text().then((text) => {
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch (_) {
          // not JSON: hand back the text
        }
        return { status: res.status, headers, data: parsed };
      });
    });
  }

  // Only the signing clouds make HTTP requests and use random bytes: a bundle without them
  // leaves both out.
  return {
    name: 'websocket',
    openSocket,
    instantiateWasm,
    watchLifecycle,
    request: CLOUD_SIGNING ? request : undefined,
    randomBytes: CLOUD_SIGNING ? randomBytes : undefined,
  };
}

module.exports = { createWebSocketPlatform };
