'use strict';
/**
 * WeChat mini-program platform: wx.connectSocket SocketTasks, WXWebAssembly, wx.request and
 * the app/network lifecycle.
 */

const {
  exactArrayBuffer,
  toBytes,
  MINIPROGRAM_SOCKET_LIMIT,
  socketBudget,
  socketLatch,
  failSoon,
  failedSocket,
  closeCode,
  closeReason,
  randomBytes,
  watchMiniProgram,
  miniProgramUrlHint,
  jsonBody,
} = require('./common');
const { CLOUD_SIGNING } = require('../build-flags');
// --- no-WebAssembly fallback hook (js-glue/platform/fallback.js) ---
const { wantsFallback, instantiateFallback } = require('./fallback');

const budget = socketBudget('WeChat', MINIPROGRAM_SOCKET_LIMIT);

/**
 * wsOptions that wx.connectSocket takes as they are.
 * @type {Array<keyof PlatformApi.ConnectSocketOption>}
 */
const WS_OPTIONS = ['timeout', 'tcpNoDelay', 'perMessageDeflate'];

/**
 * Where the compressed wasm is looked for when the page gives no `wasmPath`. WXWebAssembly
 * takes only a path inside the code package and a module cannot learn its own path, so we
 * try the layouts people actually use: WeChat's npm build, then files copied beside
 * mqtt.min.js in the usual folders.
 */
const DEFAULT_WASM_PATHS = ['/miniprogram_npm/mpmqtt', '/utils', '/lib', '/libs', ''].map((dir) => dir + '/mqtt.wasm.br');

/** The text of a wx fail callback's result (errMsg) or of an Error. */
function wxErrorMessage(res, fallback = 'unknown error') {
  return String((res && (res.errMsg || res.message)) || fallback);
}

/**
 * @param {object} options  client options: `wx` (the API object, default the global),
 *   `wasmPath` (path of mqtt.wasm.br inside the code package)
 * @param {{wantsFallback: Function, instantiateFallback: Function}} hooks  ./fallback, or
 *   ./no-fallback in the WeChat-only build
 */
function wxPlatform(options, hooks) {
  const opts = options || {};
  // PlatformApi.*: the official typings' names, checked by tests/platform-types/check.js.
  /** @type {PlatformApi.Api} */
  const api = opts.wx || (typeof wx !== 'undefined' ? wx : undefined);
  if (!api || typeof api.connectSocket !== 'function') {
    throw new Error('mpmqtt: the WeChat platform needs the wx API (wx.connectSocket)');
  }

  function openSocket(url, sockOpts, on) {
    const so = sockOpts || {};
    const release = budget._acquire();
    const latch = socketLatch(on, release || (() => {}));
    if (!release) return failedSocket(latch, budget._exceededError());
    const ws = so.wsOptions || {};
    /** @type {PlatformApi.ConnectSocketOption} */
    const req = {
      url,
      protocols: so.protocols || ['mqtt'],
      // Some base libraries call fail before connectSocket returns: report it afterwards.
      fail: (res) => failSoon(latch, new Error('wx.connectSocket failed: ' + wxErrorMessage(res))),
    };
    if (so.headers) req.header = so.headers;
    // Each key is checked in WS_OPTIONS' type; its value is the page's.
    for (const k of WS_OPTIONS) if (ws[k] !== undefined) /** @type {any} */ (req)[k] = ws[k];

    /** @type {PlatformApi.SocketTask} */
    let task;
    try {
      task = api.connectSocket(req);
    } catch (err) {
      return failedSocket(latch, err);
    }
    if (!task || typeof task.onOpen !== 'function') {
      // Base libraries before 1.7.0 return nothing: only the single global socket exists.
      return failedSocket(latch, new Error('wx.connectSocket returned no SocketTask (WeChat base library too old)'));
    }

    // Attached synchronously, before the runtime can report anything.
    task.onOpen(() => latch._open());
    task.onMessage((res) => {
      if (!latch._live) return;
      let bytes;
      try {
        bytes = toBytes(res && res.data);
      } catch (err) {
        fail(err);
        return;
      }
      latch._message(bytes);
    });
    task.onError((res) => fail(new Error('WeChat socket error: ' + wxErrorMessage(res))));
    task.onClose((res) => latch._close(res && res.code, res && res.reason));

    function fail(err) {
      if (!latch._fail(err)) return;
      try {
        task.close({ code: 1000, reason: 'error' });
      } catch (_) {
        // the task is already dead; the grace timer reports the close
      }
    }

    return {
      /** @param {Uint8Array} bytes */
      send(bytes) {
        if (latch._state !== 'open') return;
        task.send({
          data: exactArrayBuffer(bytes),
          fail: (res) => fail(new Error('WeChat socket send failed: ' + wxErrorMessage(res))),
        });
      },
      close(code, reason) {
        if (!latch._live) return;
        const c = closeCode(code);
        const r = closeReason(reason);
        latch._closing(c, r);
        try {
          task.close({ code: c, reason: r });
        } catch (_) {
          // nothing more to do: the grace timer reports the close
        }
      },
    };
  }

  function instantiateWasm(imports) {
    /** @type {typeof WXWebAssembly} */
    const engine = opts.WXWebAssembly || (typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : undefined);
    // --- no-WebAssembly fallback hook: base libraries before 2.14.0, or forceFallback ---
    if (hooks.wantsFallback(opts, engine)) {
      return hooks.instantiateFallback(opts, imports, opts.forceFallback ? '' : 'WXWebAssembly is not available (needs WeChat base library 2.14.0 or later)');
    }
    const paths = opts.wasmPath ? [opts.wasmPath] : DEFAULT_WASM_PATHS;
    const failures = [];
    const attempt = (i) => {
      if (i >= paths.length) {
        return Promise.reject(
          new Error(
            'mpmqtt: could not load the WebAssembly core. Tried ' +
              failures.join('; ') +
              '. Copy mqtt.wasm.br beside mqtt.min.js, or give its code-package path as wasmPath'
          )
        );
      }
      // A synchronous throw counts as a failure of this path like a rejection.
      return Promise.resolve().then(() => engine.instantiate(paths[i], imports)).then(
        /** @param {any} result  typings promise an Instance; devices return {instance, module} */
        (result) => {
          const instance = result && result.instance ? result.instance : result;
          if (!instance || !instance.exports) throw new Error('WXWebAssembly.instantiate gave no instance');
          return instance.exports;
        },
        (err) => {
          failures.push(paths[i] + ' (' + wxErrorMessage(err, String(err)) + ')');
          return attempt(i + 1);
        }
      );
    };
    return attempt(0);
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
        header: body.headers,
        success(res) {
          resolve({ status: res.statusCode, headers: res.header || {}, data: res.data });
        },
        fail(res) {
          reject(new Error('wx.request failed: ' + wxErrorMessage(res)));
        },
      };
      if (body.data !== undefined) params.data = body.data;
      if (req.responseType) params.responseType = req.responseType;
      if (req.timeout) params.timeout = req.timeout;
      api.request(params);
    });
  }

  // Only the signing clouds make HTTP requests and use random bytes: a bundle without them
  // leaves both out.
  return {
    name: 'wx',
    openSocket,
    instantiateWasm,
    watchLifecycle,
    connectionFailedHint: miniProgramUrlHint,
    request: CLOUD_SIGNING ? request : undefined,
    randomBytes: CLOUD_SIGNING ? randomBytes : undefined,
  };
}

/** The WeChat platform factory with the given fallback hooks. */
const withFallback = (hooks) => (options) => wxPlatform(options, hooks);
// Pure: a bundle that only uses withFallback leaves this, and ./fallback with it, out.
const createWxPlatform = /* @__PURE__ */ withFallback({ wantsFallback, instantiateFallback });

module.exports = { createWxPlatform, withFallback, DEFAULT_WASM_PATHS, _budget: budget };
