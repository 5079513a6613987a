'use strict';
/**
 * A `vm` context shaped like a mini-program logic layer: only ECMAScript built-ins plus what
 * the host platform injects (timers, console, `wx` or `my`). Everything a browser or Node adds
 * (TextEncoder, URL, fetch, Buffer, AbortController, queueMicrotask...) is absent, and so are
 * `globalThis`, `BigInt` and (unless asked for) `WebAssembly`, which old iOS base libraries
 * and the Alipay simulator lack. BigInt *literals* still parse: V8 cannot be told otherwise.
 *
 * Values handed to page code are rebuilt inside the context's realm, so `x instanceof
 * ArrayBuffer` and `Object.prototype` checks in page code behave as on a device.
 */
const vm = require('vm');
const util = require('util');

/** Globals removed from every emulated logic layer. */
const REMOVED_GLOBALS = [
  'globalThis', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'SharedArrayBuffer', 'Atomics',
  'WebAssembly', 'queueMicrotask', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams',
  'AbortController', 'AbortSignal', 'Buffer', 'fetch', 'structuredClone', 'WebSocket',
  'window', 'self', 'global', 'process', 'crypto', 'navigator', 'performance',
];

/**
 * @param {object} opts
 * @param {string} opts.name            context name, shown in stack traces
 * @param {boolean} [opts.webAssembly]  keep the standard `WebAssembly` global
 * @param {(entry: {level: string, text: string}) => void} [opts.onConsole]
 */
function createRealm(opts) {
  const ctx = vm.createContext({}, { name: opts.name });
  // Intrinsics are captured before the globals disappear: the host needs them to build
  // realm-native values and to run WXWebAssembly on the page's own WebAssembly.
  const intrinsics = vm.runInContext(
    '({ WebAssembly: typeof WebAssembly === "object" ? WebAssembly : undefined,' +
      ' fromBytes: function (u8) { var b = new ArrayBuffer(u8.length); new Uint8Array(b).set(u8); return b; },' +
      ' error: function (m) { return new Error(m); },' +
      ' reject: function (e) { return Promise.reject(e); },' +
      ' json: function (s) { return JSON.parse(s); } })',
    ctx,
  );
  const removeList = REMOVED_GLOBALS.filter((n) => !(n === 'WebAssembly' && opts.webAssembly));
  vm.runInContext(`(function (names) { for (var i = 0; i < names.length; i++) { try { delete this[names[i]]; } catch (e) {} } }).call(this, ${JSON.stringify(removeList)})`, ctx);

  const consoleLog = [];
  const makeConsole = () => {
    const out = {};
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      out[level] = (...args) => {
        const entry = { level, text: util.format(...args) };
        consoleLog.push(entry);
        if (opts.onConsole) opts.onConsole(entry);
      };
    }
    return out;
  };
  ctx.console = makeConsole();

  // Timers return numbers as on both platforms; the host keeps them so dispose() can
  // guarantee no page timer outlives a test.
  const timers = new Map();
  let nextTimer = 1;
  let disposed = false;
  const addTimer = (repeat) => (fn, ms, ...args) => {
    const id = nextTimer++;
    // A disposed page is gone: late callbacks (socket closes) must not start timers that
    // would keep the test process alive.
    if (disposed) return id;
    const run = () => {
      if (!repeat) timers.delete(id);
      if (typeof fn === 'function') fn(...args);
    };
    const delay = Number(ms) || 0;
    timers.set(id, repeat ? setInterval(run, delay) : setTimeout(run, delay));
    return id;
  };
  const clear = (id) => {
    const t = timers.get(id);
    if (t !== undefined) {
      clearTimeout(t);
      clearInterval(t);
      timers.delete(id);
    }
  };
  ctx.setTimeout = addTimer(false);
  ctx.setInterval = addTimer(true);
  ctx.clearTimeout = clear;
  ctx.clearInterval = clear;

  /** Deep-copies a host value (JSON-like objects, arrays, ArrayBuffers, views) into the realm. */
  function toRealm(value) {
    if (value === null || typeof value !== 'object') return value;
    if (util.types.isArrayBuffer(value)) return intrinsics.fromBytes(new Uint8Array(value));
    if (ArrayBuffer.isView(value)) {
      return intrinsics.fromBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    const C = vm.runInContext(Array.isArray(value) ? 'Array' : 'Object', ctx);
    const out = new C();
    for (const k of Object.keys(value)) out[k] = toRealm(value[k]);
    return out;
  }

  return {
    context: ctx,
    intrinsics,
    console: consoleLog,
    toRealm,
    /** Error object of the page's realm (so `err instanceof Error` holds in page code). */
    error: (message) => intrinsics.error(message),
    run: (code, filename) => vm.runInContext(code, ctx, { filename }),
    pendingTimers: () => timers.size,
    dispose() {
      disposed = true;
      for (const id of [...timers.keys()]) clear(id);
    },
  };
}

/** True for an ArrayBuffer from any realm. */
const isArrayBuffer = (v) => util.types.isArrayBuffer(v);

/** Copies any realm's ArrayBuffer or view into a Node Buffer. */
function toBuffer(v) {
  if (util.types.isArrayBuffer(v)) return Buffer.from(new Uint8Array(v));
  if (ArrayBuffer.isView(v)) return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  throw new TypeError('not binary');
}

/** Platform-style type name used in parameter errors ("Uint8Array", "Object", ...). */
function typeName(v) {
  if (v === null) return 'Null';
  if (v === undefined) return 'Undefined';
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  return tag;
}

module.exports = { createRealm, isArrayBuffer, toBuffer, typeName, REMOVED_GLOBALS };
