'use strict';
/** Pieces shared by the `wx` and `my` emulations. */
const fs = require('fs');
const path = require('path');
const querystring = require('querystring');

/** Calls success/fail then complete, asynchronously as both platforms do. */
function settle(realm, opts, ok, result) {
  const o = opts || {};
  const res = realm.toRealm(result);
  setImmediate(() => {
    const cb = ok ? o.success : o.fail;
    if (typeof cb === 'function') cb(res);
    if (typeof o.complete === 'function') o.complete(res);
  });
}

/** A listener list with on/off, as used by onAppShow/offAppShow etc. */
function listeners() {
  const fns = [];
  return {
    on: (fn) => {
      if (typeof fn === 'function') fns.push(fn);
    },
    off: (fn) => {
      if (fn === undefined) fns.length = 0;
      const i = fns.indexOf(fn);
      if (i >= 0) fns.splice(i, 1);
    },
    emit: (arg) => {
      for (const fn of [...fns]) fn(arg);
    },
    get size() {
      return fns.length;
    },
  };
}

/** Serialises a request body the way both platforms do: objects by content-type. */
function encodeBody(method, data, contentType) {
  if (data === undefined || data === null) return { body: undefined, query: '' };
  const isObj = typeof data === 'object' && !ArrayBuffer.isView(data) && Object.prototype.toString.call(data) !== '[object ArrayBuffer]';
  if (method === 'GET') {
    return { body: undefined, query: isObj ? querystring.stringify(data) : String(data) };
  }
  if (!isObj) {
    if (typeof data === 'string') return { body: data, query: '' };
    const u8 = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    return { body: Buffer.from(u8), query: '' };
  }
  if (/json/i.test(contentType || '')) return { body: JSON.stringify(data), query: '' };
  return { body: querystring.stringify(data), query: '' };
}

function headerValue(headers, name) {
  const key = Object.keys(headers || {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/**
 * Resolves a path inside the code package: "/utils/a.wasm", "utils/a.wasm". Returns null when
 * it escapes the package or does not exist.
 */
function packageFile(root, p) {
  if (typeof p !== 'string' || p === '' || /^[a-z][a-z0-9+.-]*:/i.test(p)) return null;
  const abs = path.resolve(root, p.replace(/^\/+/, ''));
  if (abs !== root && !abs.startsWith(root + path.sep)) return null;
  try {
    return fs.statSync(abs).isFile() ? abs : null;
  } catch (e) {
    return null;
  }
}

/** In-memory key/value storage (JSON round trip, like the platforms' storage). */
function createStorage() {
  const map = new Map();
  return {
    get: (k) => (map.has(String(k)) ? JSON.parse(map.get(String(k))) : undefined),
    set: (k, v) => map.set(String(k), JSON.stringify(v === undefined ? null : v)),
    remove: (k) => map.delete(String(k)),
    clear: () => map.clear(),
    keys: () => [...map.keys()],
  };
}

module.exports = { settle, listeners, encodeBody, headerValue, packageFile, createStorage };
