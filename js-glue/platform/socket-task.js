'use strict';
/**
 * The platform of the runtimes whose socket API copies WeChat's SocketTask (docs/platforms.md
 * "Other mini-program runtimes"): `connectSocket({url, header, protocols, fail})` returns a
 * task with send({data: ArrayBuffer}), close({code, reason}) and onOpen/onMessage/onError/
 * onClose. A connectSocket that returns a Promise of such a task (Taro) works too.
 * The core: the standard `WebAssembly` global with the bytes embedded in mqtt.wasm.js, else
 * the wasm2js core (mqtt.fallback.js); none of these runtimes loads wasm from a path.
 */

const { embeddedWasmBytes, instantiateStandard } = require('./embedded-wasm');
const { wantsFallback, instantiateFallback } = require('./fallback');
const {
  exactArrayBuffer,
  toBytes,
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

/** One budget per runtime name, shared by every client of that runtime. */
const budgets = {};

/** The text of a fail callback's result (errMsg) or of an Error. */
function errorMessage(res, fallback) {
  return String((res && (res.errMsg || res.errorMessage || res.message)) || fallback || 'unknown error');
}

/**
 * @typedef {Object} SocketTaskRuntime
 * @property {string} name          platform name ('tt', 'qq', 'swan', 'ks', 'uni', 'custom')
 * @property {string} label         how messages name the runtime ('ByteDance')
 * @property {string} fn            how messages name its connectSocket ('tt.connectSocket')
 * @property {(req: PlatformApi.ConnectSocketOption) => PlatformApi.SocketTask | Promise<PlatformApi.SocketTask>} connectSocket
 *   returns a SocketTask or a Promise of one
 * @property {PlatformApi.Api} [api]  the runtime's API object: lifecycle events and request
 *
 * PlatformApi.*: the official typings' names, checked by tests/platform-types/check.js.
 * @property {number} [socketLimit] sockets open at once (none when absent)
 * @property {string[]} [wsOptions] wsOptions keys connectSocket takes as they are
 */

/** A task's listener registration, or a clear error when the runtime gave no SocketTask. */
function checkedTask(rt, task) {
  if (!task || typeof task.onOpen !== 'function' || typeof task.send !== 'function') {
    throw new Error(rt.fn + ' returned no SocketTask (got ' + Object.prototype.toString.call(task) + ')');
  }
  return task;
}

/**
 * @param {SocketTaskRuntime} rt
 * @param {object} options  client options: `WebAssembly`, `wasmBytes`, `fallback`, `forceFallback`
 */
function createSocketTaskPlatform(rt, options) {
  const opts = options || {};
  /** @type {Partial<PlatformApi.Api>} */
  const api = rt.api || {};
  const budget = rt.socketLimit ? budgets[rt.name] || (budgets[rt.name] = socketBudget(rt.label, rt.socketLimit)) : null;

  function openSocket(url, sockOpts, on) {
    const so = sockOpts || {};
    const release = budget ? budget._acquire() : () => {};
    const latch = socketLatch(on, release || (() => {}));
    if (!release) return failedSocket(latch, budget._exceededError());
    const ws = so.wsOptions || {};
    /** @type {PlatformApi.ConnectSocketOption} */
    const req = {
      url,
      protocols: so.protocols || ['mqtt'],
      // Some runtimes call fail before connectSocket returns: report it afterwards.
      fail: (res) => failSoon(latch, new Error(rt.fn + ' failed: ' + errorMessage(res))),
    };
    if (so.headers) req.header = so.headers;
    for (const k of rt.wsOptions || []) if (ws[k] !== undefined) req[k] = ws[k];

    /** @type {PlatformApi.SocketTask} */
    let task = null;
    // A close asked for while a Promise of the task is pending is passed on when it arrives.
    let pendingClose = null;
    /** @param {PlatformApi.SocketTask} t */
    const attach = (t) => {
      task = checkedTask(rt, t);
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
      task.onError((res) => fail(new Error(rt.label + ' socket error: ' + errorMessage(res, 'error'))));
      task.onClose((res) => latch._close(res && res.code, res && res.reason));
      if (pendingClose) shut(pendingClose[0], pendingClose[1]);
    };
    function shut(code, reason) {
      if (!task) {
        pendingClose = [code, reason];
        return;
      }
      try {
        task.close({ code, reason });
      } catch (_) {
        // the task is already dead; the grace timer reports the close
      }
    }
    function fail(err) {
      if (latch._fail(err)) shut(1000, 'error');
    }

    try {
      // A task or a Promise of one, told apart by shape: `any` past this point.
      const result = /** @type {any} */ (rt.connectSocket(req));
      if (result && typeof result.then === 'function' && typeof result.onOpen !== 'function') {
        result.then(attach).then(undefined, (err) => {
          latch._error(err instanceof Error ? err : new Error(rt.fn + ' failed: ' + errorMessage(err)));
          latch._close(0, errorMessage(err));
        });
      } else {
        attach(result);
      }
    } catch (err) {
      return failedSocket(latch, err);
    }

    return {
      /** @param {Uint8Array} bytes */
      send(bytes) {
        if (latch._state !== 'open') return;
        task.send({
          data: exactArrayBuffer(bytes),
          fail: (res) => fail(new Error(rt.label + ' socket send failed: ' + errorMessage(res))),
        });
      },
      close(code, reason) {
        if (!latch._live) return;
        const c = closeCode(code);
        const r = closeReason(reason);
        latch._closing(c, r);
        shut(c, r);
      },
    };
  }

  function instantiateWasm(imports) {
    const engine = opts.WebAssembly || (typeof WebAssembly !== 'undefined' ? WebAssembly : undefined);
    // --- no-WebAssembly fallback hook: runtimes whose logic layer has no WebAssembly ---
    if (wantsFallback(opts, engine)) {
      return instantiateFallback(opts, imports, opts.forceFallback ? '' : 'this ' + rt.label + ' runtime has no WebAssembly');
    }
    return Promise.resolve().then(() => instantiateStandard(engine, embeddedWasmBytes(opts), imports));
  }

  /** The WeChat-shaped request all of these runtimes have (header, statusCode). */
  function request(req) {
    return new Promise((resolve, reject) => {
      if (typeof api.request !== 'function') throw new Error(rt.label + ' has no request API here: the cloud signers need one');
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
          reject(new Error(rt.label + ' request failed: ' + errorMessage(res)));
        },
      };
      if (body.data !== undefined) params.data = body.data;
      if (req.responseType) params.responseType = req.responseType;
      // Not in every typing (@douyin-microapp/typings 1.3.1 has no request timeout); ignored where unknown.
      if (req.timeout) /** @type {any} */ (params).timeout = req.timeout;
      api.request(params);
    });
  }

  return {
    name: rt.name,
    openSocket,
    instantiateWasm,
    watchLifecycle: (hooks) => watchMiniProgram(api, hooks),
    connectionFailedHint: miniProgramUrlHint,
    request: CLOUD_SIGNING ? request : undefined,
    randomBytes: CLOUD_SIGNING ? randomBytes : undefined,
  };
}

module.exports = { createSocketTaskPlatform, _budgets: budgets };
