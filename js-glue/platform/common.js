'use strict';
/**
 * Pieces shared by the platform modules: byte conversions at the socket boundary, the
 * per-platform socket budget, a once-only close/error latch and random bytes.
 */

const { encode: utf8Encode } = require('../shared/utf8');
const { toError } = require('../shared/errors');

/**
 * An ArrayBuffer holding exactly `bytes`. A view into a larger buffer (wasm linear memory,
 * a pooled Buffer) is copied: sending `view.buffer` would put the whole backing store on
 * the wire, which is what MQTT.js' wx transport gets wrong.
 * @param {Uint8Array} bytes
 * @returns {ArrayBuffer}
 */
function exactArrayBuffer(bytes) {
  const buf = bytes.buffer;
  if (bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength && buf instanceof ArrayBuffer) {
    return buf;
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * Normalises whatever a socket API delivered as message data into bytes. A text frame is
 * not MQTT (MQTT over WebSocket is binary frames only): it usually means the URL reaches a
 * web server or proxy, not the broker's MQTT endpoint, so it fails the connection with that
 * diagnosis rather than being parsed as a mystery protocol error. Its content is not quoted:
 * it is the server's, not ours, and may be large.
 * @param {ArrayBuffer|ArrayBufferView|string} data
 * @returns {Uint8Array}
 * @throws {Error} on a text frame or data of an unknown type
 */
function toBytes(data) {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') {
    const err = new Error('the server sent a text WebSocket frame (' + data.length + ' characters), but MQTT over WebSocket uses binary frames only: is the URL the broker\'s MQTT endpoint?');
    err.code = 'text_frame';
    throw err;
  }
  // An ArrayBuffer, also one from another realm (where instanceof fails).
  if (data && typeof data.byteLength === 'number' && typeof data.slice === 'function') {
    return new Uint8Array(data);
  }
  throw new TypeError('unsupported socket message data: ' + Object.prototype.toString.call(data));
}

/** WeChat and Alipay allow at most this many SocketTasks open at once per mini-program. */
const MINIPROGRAM_SOCKET_LIMIT = 5;

/**
 * Counts open sockets of one platform so the sixth gets a clear error instead of the
 * runtime's terse "exceed max task count".
 * @param {string} label  platform name for messages
 * @param {number} limit
 */
function socketBudget(label, limit) {
  let inUse = 0;
  return {
    /** @returns {(() => void) | null} a release function, or null when the budget is spent */
    _acquire() {
      if (inUse >= limit) return null;
      inUse++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse--;
      };
    },
    get inUse() {
      return inUse;
    },
    _exceededError() {
      return new Error(
        label + ' allows at most ' + limit + ' open sockets per mini-program, all in use: end() clients you no longer need'
      );
    },
  };
}

/** How long to wait for the runtime's own close report before reporting it ourselves. */
const CLOSE_GRACE_MS = 3000;

/**
 * The per-socket latch that enforces the transport contract: error() at most once, then
 * exactly one close(); nothing after close. Every platform event goes through it, so a
 * late event from a replaced socket cannot reach the handlers of its successor.
 * @param {{open: Function, message: Function, close: Function, error: Function}} on
 * @param {() => void} release  frees the socket's budget slot
 */
function socketLatch(on, release) {
  let state = 'connecting'; // connecting | open | closing | closed
  let errored = false;
  let graceTimer = null;
  // After a failure we close the socket ourselves and the runtime may then echo our polite
  // 1000: the failure's 1006 and message say more. A code of the runtime's own wins.
  let failure = null;
  const latch = {
    get _state() {
      return state;
    },
    get _live() {
      return state === 'connecting' || state === 'open';
    },
    _open() {
      if (state !== 'connecting') return;
      state = 'open';
      on.open();
    },
    _message(bytes) {
      if (state !== 'open') return;
      on.message(bytes);
    },
    _error(err) {
      // After a close we asked for, the runtime's complaints about it are noise.
      if (!latch._live || errored) return;
      errored = true;
      on.error(err);
    },
    _close(code, reason) {
      if (state === 'closed') return;
      state = 'closed';
      if (graceTimer !== null) clearTimeout(graceTimer);
      graceTimer = null;
      release();
      const own = typeof code === 'number' && code !== 0 && code !== 1000;
      if (failure && !own) on.close(failure.code, failure.reason);
      else on.close(typeof code === 'number' ? code : 0, reason ? String(reason) : '');
    },
    /**
     * We asked the runtime to close: stop delivering data now and report the close when the
     * runtime confirms it, or after a grace period if it never does.
     */
    _closing(code, reason) {
      if (state === 'closed') return;
      state = 'closing';
      if (graceTimer === null) {
        graceTimer = setTimeout(() => {
          graceTimer = null;
          latch._close(code, reason);
        }, CLOSE_GRACE_MS);
      }
    },
  };
  /** The socket failed: report `err`, then close with 1006 once the runtime has let go. */
  latch._fail = (err) => {
    if (!latch._live) return false;
    latch._error(err);
    failure = { code: 1006, reason: err.message };
    latch._closing(1006, err.message);
    return true;
  };
  return latch;
}

/**
 * Reports an error and close for a socket that never got going, asynchronously so
 * openSocket's caller always receives its Transport before any event.
 */
function failSoon(latch, err) {
  setTimeout(() => {
    latch._error(err);
    latch._close(0, err.message);
  }, 0);
}

/** The Transport of a socket that never got going: `err` (anything thrown) is reported soon. */
function failedSocket(latch, err) {
  failSoon(latch, toError(err));
  return { send() {}, close() {} };
}

/**
 * Random bytes for client ids and the like (not for keys): crypto.getRandomValues where the
 * runtime has it (browsers, Node), Math.random elsewhere (WeChat and Alipay have no
 * synchronous secure source).
 * @param {number} n
 * @returns {Uint8Array}
 */
function randomBytes(n) {
  const out = new Uint8Array(n);
  const c = typeof crypto !== 'undefined' ? crypto : undefined;
  if (c && typeof c.getRandomValues === 'function') {
    // getRandomValues refuses more than 65536 bytes per call.
    for (let i = 0; i < n; i += 65536) c.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
}

/** SocketTask.close accepts only 1000 or 3000-4999; anything else makes the close fail. */
function closeCode(code) {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
}

/** A close reason may be at most 123 UTF-8 bytes; cut at a character boundary. */
function closeReason(reason) {
  let r = reason ? String(reason) : '';
  while (utf8Encode(r).length > 123) r = r.slice(0, Math.max(0, r.length - 1));
  return r;
}

/**
 * Platform.watchLifecycle for a mini-program API (wx, my): both name the app and network
 * events on/offAppShow, on/offAppHide and on/offNetworkStatusChange.
 * @returns {() => void} stops watching
 */
function watchMiniProgram(api, hooks) {
  let active = true;
  // PlatformApi.LifecycleEvent: each X with onX and offX in the official typings (tests/platform-types).
  /** @type {Partial<Record<PlatformApi.LifecycleEvent, (res?: any) => void>>} */
  const fns = {
    AppShow: () => active && hooks.show(),
    AppHide: () => active && hooks.hide(),
    NetworkStatusChange: (res) => {
      if (!active || !res) return;
      if (res.isConnected) hooks.online();
      else hooks.offline();
    },
  };
  const each = (prefix) =>
    Object.keys(fns).forEach((k) => {
      if (typeof api[prefix + k] === 'function') api[prefix + k](fns[k]);
    });
  each('on');
  return () => {
    if (!active) return;
    active = false;
    each('off');
  };
}

/**
 * Platform.connectionFailedHint of the mini-programs: their socket APIs take wss:// only, and
 * a plain ws:// URL fails before the socket opens with nothing that says so.
 * @param {string} url  the URL the socket was opened with
 * @returns {string} words to append to the page's "Connection failed" error, or ''
 */
function miniProgramUrlHint(url) {
  return /^ws:/i.test(String(url || ''))
    ? ' (mini-programs only connect to wss://: use wxs:// on WeChat or alis:// on Alipay, and register the domain)'
    : '';
}

/** Case-insensitive header lookup on a plain object; '' when absent. */
function headerValue(headers, name) {
  const lower = name.toLowerCase();
  const key = Object.keys(headers || {}).filter((k) => k.toLowerCase() === lower)[0];
  return key === undefined ? '' : String(headers[key]);
}

/**
 * Mini-program request bodies: objects go as JSON unless the page chose another content type.
 * @returns {{headers: object, data: any}}
 */
function jsonBody(headers, data) {
  const h = Object.assign({}, headers);
  if (data !== null && typeof data === 'object' && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
    if (!headerValue(h, 'content-type')) h['content-type'] = 'application/json';
  }
  return { headers: h, data };
}

module.exports = {
  exactArrayBuffer,
  toBytes,
  MINIPROGRAM_SOCKET_LIMIT,
  socketBudget,
  socketLatch,
  failSoon,
  failedSocket,
  randomBytes,
  watchMiniProgram,
  miniProgramUrlHint,
  headerValue,
  jsonBody,
  closeCode,
  closeReason,
  CLOSE_GRACE_MS,
};
