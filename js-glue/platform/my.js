'use strict';
/**
 * Alipay mini-program platform. Sockets: the SocketTask form (`multiple: true`) when the
 * runtime returns a task, else the legacy global single-socket API. Binary frames travel as
 * base64 with `isBuffer: true` both ways. Wasm: the standard WebAssembly global with the
 * bytes embedded in mqtt.wasm.js.
 */

const base64 = require('./base64');
const { embeddedWasmBytes, instantiateStandard } = require('./embedded-wasm');
// --- no-WebAssembly fallback hook (js-glue/platform/fallback.js) ---
const { wantsFallback, instantiateFallback } = require('./fallback');
const {
  toBytes,
  MINIPROGRAM_SOCKET_LIMIT,
  socketBudget,
  socketLatch,
  failSoon,
  failedSocket,
  randomBytes,
  watchMiniProgram,
  miniProgramUrlHint,
  jsonBody,
  closeCode,
  closeReason,
  headerValue,
} = require('./common');
const { CLOUD_SIGNING } = require('../build-flags');

const budget = socketBudget('Alipay', MINIPROGRAM_SOCKET_LIMIT);

/** Hints for Alipay's numeric socket error codes that have a known cause. */
const ERROR_HINTS = {
  8: 'the server must accept the Sec-WebSocket-Protocol "mqtt"',
  20: 'Alipay requires a wss:// URL',
};

function myErrorMessage(res, fallback) {
  if (!res) return fallback;
  const code = res.error !== undefined ? res.error : res.errorCode;
  const msg = res.errorMessage || res.errMsg || res.message || fallback;
  if (code === undefined) return String(msg);
  const hint = ERROR_HINTS[code];
  return 'error ' + code + ': ' + msg + (hint ? ' (' + hint + ')' : '');
}

/**
 * Bytes of an incoming message in any shape Alipay is known to deliver:
 * `{data: {data, isBuffer}}` (nested), `{data, isBuffer}` (flat) or an ArrayBuffer.
 * @returns {Uint8Array}
 */
function messageBytes(res) {
  let data = res ? res.data : undefined;
  let isBuffer = res ? res.isBuffer : undefined;
  if (data && typeof data === 'object' && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data) && 'data' in data) {
    isBuffer = data.isBuffer;
    data = data.data;
  }
  if (typeof data === 'string' && isBuffer) return base64.decode(data);
  return toBytes(data);
}

/**
 * What both kinds of Alipay socket (a SocketTask, the legacy global one) need on top of the
 * latch: the Transport and the handlers of message and error events. A failure (an error
 * event, data that is not MQTT, a failed send) closes the socket with 1000 'error' and the
 * latch reports 1006.
 * @param {object} latch  socketLatch
 * @param {(code: number, reason: string) => void} shut  closes the runtime socket; may throw
 *   (a dead socket: the grace timer reports the close)
 * @param {(message: object) => void} send  the runtime's send, given {data, isBuffer, fail}
 */
function socketTransport(latch, shut, send) {
  const tryShut = (code, reason) => {
    try {
      shut(code, reason);
    } catch (_) {
      // nothing more to do: the grace timer reports the close
    }
  };
  const fail = (err) => {
    if (latch._fail(err)) tryShut(1000, 'error');
  };
  return {
    _onError: (res) => fail(new Error('Alipay socket ' + myErrorMessage(res, 'error'))),
    _receive(res) {
      if (!latch._live) return;
      let bytes;
      try {
        bytes = messageBytes(res);
      } catch (err) {
        fail(err);
        return;
      }
      latch._message(bytes);
    },
    _transport: {
      /** @param {Uint8Array} bytes */
      send(bytes) {
        if (latch._state !== 'open') return;
        send(/** @type {PlatformApi.SocketSendOption} */ ({
          data: base64.encode(bytes),
          isBuffer: true,
          fail: (res) => fail(new Error('Alipay socket send failed: ' + myErrorMessage(res, 'unknown error'))),
        }));
      },
      close(code, reason) {
        if (!latch._live) return;
        const c = closeCode(code);
        const r = closeReason(reason);
        latch._closing(c, r);
        tryShut(c, r);
      },
    },
  };
}

/** The legacy API has one socket per mini-program; this is the one currently owning it. */
let legacyOwner = null;

/**
 * @param {object} options  client options: `my` (the API object, default the global),
 *   `wasmBytes` (the wasm module's bytes, instead of mqtt.wasm.js)
 */
function createMyPlatform(options) {
  const opts = options || {};
  // PlatformApi.*: the official typings' names, checked by tests/platform-types/check.js.
  /** @type {PlatformApi.Api} */
  const api = opts.my || (typeof my !== 'undefined' ? my : undefined);
  if (!api || typeof api.connectSocket !== 'function') {
    throw new Error('mpmqtt: the Alipay platform needs the my API (my.connectSocket); pass it as the my option');
  }

  function openSocket(url, sockOpts, on) {
    const so = sockOpts || {};
    const release = budget._acquire();
    const latch = socketLatch(on, release || (() => {}));
    if (!release) return failedSocket(latch, budget._exceededError());
    if (legacyOwner !== null) {
      // Opening another socket while the single legacy one lives makes Android fail (error 3).
      return failedSocket(latch, new Error("Alipay's single-socket API is in use by another client; only one connection at a time is possible on this base library"));
    }
    const protocols = so.protocols || ['mqtt'];
    // Alipay ignores `protocols` on some versions; the explicit header is what servers see.
    const header = Object.assign({ 'Sec-WebSocket-Protocol': protocols.join(', ') }, so.headers);
    // May run before connectSocket returns: failSoon reports it afterwards.
    const onConnectFail = (res) => failSoon(latch, new Error('my.connectSocket failed: ' + myErrorMessage(res, 'unknown error')));
    /** @type {PlatformApi.SocketTask | undefined} the legacy API returns nothing */
    let task;
    try {
      task = api.connectSocket(/** @type {PlatformApi.ConnectSocketOption} */ ({ url, multiple: true, protocols, header, fail: onConnectFail }));
    } catch (err) {
      return failedSocket(latch, err);
    }
    return task && typeof task.onOpen === 'function' ? taskTransport(task, latch) : legacyTransport(latch);
  }

  /** @param {PlatformApi.SocketTask} task */
  function taskTransport(task, latch) {
    const socket = socketTransport(latch, (code, reason) => task.close({ code, reason }), (message) => task.send(message));
    task.onOpen(() => latch._open());
    task.onMessage(socket._receive);
    task.onError(socket._onError);
    // @mini-types/my gives the close event only {data: {socketTaskID}}; the docs and devices add code and reason.
    task.onClose(/** @param {any} res */ (res) => latch._close(res && res.code, res && res.reason));
    return socket._transport;
  }

  function legacyTransport(latch) {
    const token = {};
    legacyOwner = token;
    // Global handlers outlive sockets: each checks that its socket still owns the API.
    const mine = () => legacyOwner === token;
    // The legacy closeSocket takes no code or reason: the latch reports ours.
    const socket = socketTransport(latch, () => mine() && api.closeSocket({}), (message) => mine() && api.sendSocketMessage(message));
    const handlers = {
      Open: () => mine() && latch._open(),
      Message: (res) => mine() && socket._receive(res),
      Error: (res) => mine() && socket._onError(res),
      Close: (res) => {
        if (mine()) latch._close(res && res.code, res && res.reason);
      },
    };
    Object.keys(handlers).forEach((k) => {
      if (typeof api['onSocket' + k] === 'function') api['onSocket' + k](handlers[k]);
    });
    // A close we asked for but never see confirmed must still free the API for the next socket.
    const originalClose = latch._close;
    latch._close = (code, reason) => {
      finish();
      originalClose(code, reason);
    };
    function finish() {
      if (!mine()) return;
      legacyOwner = null;
      Object.keys(handlers).forEach((k) => {
        if (typeof api['offSocket' + k] === 'function') api['offSocket' + k](handlers[k]);
      });
    }
    return socket._transport;
  }

  function instantiateWasm(imports) {
    const engine = opts.WebAssembly || (typeof WebAssembly !== 'undefined' ? WebAssembly : undefined);
    // --- no-WebAssembly fallback hook: the simulator and runtimes without WebAssembly ---
    if (wantsFallback(opts, engine)) {
      return instantiateFallback(opts, imports, opts.forceFallback ? '' : 'this Alipay runtime has no WebAssembly');
    }
    // A missing or damaged mqtt.wasm.js rejects like a failed instantiation.
    return Promise.resolve().then(() => instantiateStandard(engine, embeddedWasmBytes(opts), imports));
  }

  function watchLifecycle(hooks) {
    return watchMiniProgram(api, hooks);
  }


  function request(req) {
    return new Promise((resolve, reject) => {
      const body = jsonBody(req.headers, req.data);
      /** @type {PlatformApi.RequestOption} */
      const params = {
        url: req.url,
        method: req.method || 'GET',
        headers: body.headers,
        success(res) {
          resolve({ status: res.status, headers: res.headers || {}, data: res.data });
        },
        fail(res) {
          reject(new Error('my.request failed: ' + myErrorMessage(res, 'unknown error')));
        },
      };
      if (body.data !== undefined) {
        // How Alipay serialises object bodies has changed between base libraries; a JSON
        // string is sent as is everywhere.
        const isJson = /json/i.test(headerValue(body.headers, 'content-type'));
        params.data = isJson && params.method !== 'GET' && typeof body.data === 'object' ? JSON.stringify(body.data) : body.data;
      }
      if (req.responseType === 'arraybuffer') params.dataType = 'arraybuffer';
      if (req.timeout) params.timeout = req.timeout;
      api.request(params);
    });
  }

  // Only the signing clouds make HTTP requests and use random bytes: a bundle without them
  // leaves both out.
  return {
    name: 'my',
    openSocket,
    instantiateWasm,
    watchLifecycle,
    connectionFailedHint: miniProgramUrlHint,
    request: CLOUD_SIGNING ? request : undefined,
    randomBytes: CLOUD_SIGNING ? randomBytes : undefined,
  };
}

module.exports = { createMyPlatform, messageBytes, _budget: budget };
