'use strict';
/**
 * The WeChat logic-layer API (`wx` and `WXWebAssembly`) as documented, over a Device.
 * Error texts follow WeChat's "api:fail reason" form; they are WeChat-like, not verbatim.
 *
 * Documented behaviour reproduced here:
 *  - connectSocket({url, header, protocols, success, fail, complete}) -> SocketTask; wss only
 *    (see Device for the test URL rewrite); at most 5 sockets at once; `protocols` become
 *    Sec-WebSocket-Protocol.
 *  - SocketTask.send({data: string | ArrayBuffer}): strings go as text frames, ArrayBuffers as
 *    one binary frame; anything else (Uint8Array too) fails with a parameter error.
 *  - SocketTask.close({code = 1000, reason}) with code 1000 or 3000..4999, reason <= 123 bytes;
 *    closing a closed socket fails "closeSocket:fail WebSocket is not connected".
 *  - onMessage gives {data: string | ArrayBuffer}; onClose {code, reason}; onError {errMsg}.
 *    A failing socket reports onError then onClose (1006).
 *  - request({url, data, header, method, dataType = 'json', responseType}) -> {statusCode,
 *    header, data, errMsg}; any HTTP status is a success.
 *  - WXWebAssembly.instantiate(path, imports): `path` must be a string naming a .wasm or
 *    .wasm.br file inside the code package; resolves to {instance, module} (or the Instance
 *    itself with `wasmResult: 'instance'`, as some typings claim).
 */
const fs = require('fs');
const zlib = require('zlib');
const { settle, listeners, encodeBody, headerValue, packageFile, createStorage } = require('./common');
const { isArrayBuffer, toBuffer, typeName } = require('./realm');

const MAX_SOCKETS = 5;

/**
 * @param {object} env
 * @param {object} env.realm    from createRealm
 * @param {object} env.device   a Device
 * @param {string} env.root     code package root
 * @param {object} [env.opts]   {requireWss = true, wasmResult = 'result', systemInfo, storage}
 * @returns {{wx: object, WXWebAssembly: object, ui: object[]}}
 */
function createWx({ realm, device, root, opts = {} }) {
  const requireWss = opts.requireWss !== false;
  const ui = [];
  // opts.storage: the phone's storage, kept across an app kill and relaunch (a new page on it).
  const storage = opts.storage || createStorage();
  const appShow = listeners();
  const appHide = listeners();
  const network = listeners();
  let lastShowOptions = { path: '', scene: 1001, query: {} };
  device.on('show', () => appShow.emit(realm.toRealm(lastShowOptions)));
  device.on('hide', () => appHide.emit(realm.toRealm({})));
  device.on('network', (st) => network.emit(realm.toRealm(st)));

  const tasks = new Set();

  function connectSocket(o) {
    o = o || {};
    const task = realm.toRealm({});
    const handlers = { open: listeners(), message: listeners(), close: listeners(), error: listeners() };
    for (const [name, l] of Object.entries(handlers)) {
      const cap = name[0].toUpperCase() + name.slice(1);
      task['on' + cap] = (fn) => l.on(fn);
    }
    let hostSocket = null;
    const failEarly = (msg) => {
      device.emit('socket-error', { pageUrl: o.url, url: null }, 'connectSocket:fail ' + msg);
      settle(realm, o, false, { errMsg: 'connectSocket:fail ' + msg });
      setImmediate(() => {
        handlers.error.emit(realm.toRealm({ errMsg: 'connectSocket:fail ' + msg }));
        handlers.close.emit(realm.toRealm({ code: 1006, reason: 'abnormal closure' }));
      });
    };
    task.send = (s) => {
      s = s || {};
      const data = s.data;
      if (typeof data !== 'string' && !isArrayBuffer(data)) {
        return settle(realm, s, false, {
          errMsg: `sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer instead of ${typeName(data)};`,
        });
      }
      if (!hostSocket || hostSocket.state !== 'open') {
        return settle(realm, s, false, { errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
      }
      const binary = typeof data !== 'string';
      hostSocket.send(binary ? toBuffer(data) : data, binary).then((err) =>
        settle(realm, s, !err, { errMsg: err ? 'sendSocketMessage:fail ' + err : 'sendSocketMessage:ok' }),
      );
    };
    task.close = (c) => {
      c = c || {};
      const code = c.code === undefined ? 1000 : c.code;
      const reason = c.reason === undefined ? '' : String(c.reason);
      if (!hostSocket || hostSocket.state === 'closed' || hostSocket.state === 'closing') {
        return settle(realm, c, false, { errMsg: 'closeSocket:fail WebSocket is not connected' });
      }
      if (code !== 1000 && !(code >= 3000 && code <= 4999)) {
        return settle(realm, c, false, { errMsg: `closeSocket:fail The code must be either 1000, or between 3000 and 4999. ${code} is neither.` });
      }
      if (Buffer.byteLength(reason) > 123) {
        return settle(realm, c, false, { errMsg: 'closeSocket:fail The message must not be greater than 123 bytes.' });
      }
      hostSocket.close(code, reason);
      settle(realm, c, true, { errMsg: 'closeSocket:ok' });
    };

    const url = o.url;
    if (typeof url !== 'string') {
      failEarly(`parameter error: parameter.url should be String instead of ${typeName(url)};`);
      return task;
    }
    if (requireWss && !/^wss:\/\//i.test(url)) {
      failEarly(`invalid url "${url}"`);
      return task;
    }
    if (tasks.size >= MAX_SOCKETS) {
      failEarly('exceed max task count');
      return task;
    }
    const protocols = Array.isArray(o.protocols) ? o.protocols.map(String) : [];
    const headers = Object.assign({}, o.header || {});
    for (const k of Object.keys(headers)) if (/^referer$/i.test(k)) delete headers[k]; // WeChat sets Referer itself
    tasks.add(task);
    hostSocket = device.openSocket(url, protocols, headers, {
      open: (respHeaders) => handlers.open.emit(realm.toRealm({ header: respHeaders, profile: {} })),
      message: (buf, isBinary) =>
        handlers.message.emit(realm.toRealm({ data: isBinary ? realm.intrinsics.fromBytes(buf) : buf.toString('utf8') })),
      error: (msg) => handlers.error.emit(realm.toRealm({ errMsg: msg })),
      close: (code, reason) => {
        tasks.delete(task);
        handlers.close.emit(realm.toRealm({ code, reason }));
      },
    }, realm);
    Object.defineProperty(task, '__host', { value: hostSocket, enumerable: false });
    settle(realm, o, true, { errMsg: 'connectSocket:ok' });
    return task;
  }

  function request(o) {
    o = o || {};
    const method = String(o.method || 'GET').toUpperCase();
    const header = Object.assign({}, o.header || {});
    if (headerValue(header, 'content-type') === undefined) header['content-type'] = 'application/json';
    let aborted = false;
    const { body, query } = encodeBody(method, o.data, headerValue(header, 'content-type'));
    const url = query ? o.url + (o.url.includes('?') ? '&' : '?') + query : o.url;
    if (requireWss && !/^https:\/\//i.test(String(o.url))) {
      settle(realm, o, false, { errMsg: `request:fail invalid url "${o.url}"` });
      return realm.toRealm({ abort() {} });
    }
    device
      .request({ url, method, headers: header, body, timeout: o.timeout })
      .then((res) => {
        if (aborted) return;
        let data;
        if (o.responseType === 'arraybuffer') data = realm.intrinsics.fromBytes(res.body);
        else {
          data = res.body.toString('utf8');
          if ((o.dataType || 'json') === 'json') {
            try {
              data = JSON.parse(data);
            } catch (e) {
              // WeChat hands back the raw text when the body is not JSON.
            }
          }
        }
        settle(realm, o, true, { data, statusCode: res.status, header: res.headers, cookies: [], errMsg: 'request:ok' });
      })
      .catch((err) => {
        if (!aborted) settle(realm, o, false, { errMsg: 'request:fail ' + err.message });
      });
    const task = realm.toRealm({});
    task.abort = () => {
      if (aborted) return;
      aborted = true;
      settle(realm, o, false, { errMsg: 'request:fail abort' });
    };
    return task;
  }

  const fsManager = {
    readFileSync(p, encoding) {
      const abs = packageFile(root, p);
      if (!abs) throw realm.error(`readFileSync:fail no such file or directory, open ${p}`);
      const buf = fs.readFileSync(abs);
      return encoding ? buf.toString(encoding === 'utf-8' ? 'utf8' : encoding) : realm.intrinsics.fromBytes(buf);
    },
    readFile(o) {
      try {
        settle(realm, o, true, { data: fsManager.readFileSync(o.filePath, o.encoding), errMsg: 'readFile:ok' });
      } catch (e) {
        settle(realm, o, false, { errMsg: e.message.replace('readFileSync', 'readFile') });
      }
    },
  };

  const wx = {
    connectSocket,
    request,
    onAppShow: appShow.on,
    offAppShow: appShow.off,
    onAppHide: appHide.on,
    offAppHide: appHide.off,
    onNetworkStatusChange: network.on,
    offNetworkStatusChange: network.off,
    getNetworkType: (o) =>
      settle(realm, o, true, { networkType: device.online ? device.networkType : 'none', errMsg: 'getNetworkType:ok' }),
    getStorageSync: (k) => {
      const v = storage.get(k);
      return v === undefined ? '' : realm.toRealm(v);
    },
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: (k) => storage.remove(k),
    clearStorageSync: () => storage.clear(),
    getStorage: (o) => {
      const v = storage.get(o.key);
      if (v === undefined) settle(realm, o, false, { errMsg: 'getStorage:fail data not found' });
      else settle(realm, o, true, { data: v, errMsg: 'getStorage:ok' });
    },
    setStorage: (o) => {
      storage.set(o.key, o.data);
      settle(realm, o, true, { errMsg: 'setStorage:ok' });
    },
    getSystemInfoSync: () => realm.toRealm(Object.assign({ platform: 'devtools', system: 'iOS 15.0', SDKVersion: '3.4.0', version: '8.0.50' }, opts.systemInfo)),
    getFileSystemManager: () => fsManager,
    showToast: (o) => {
      ui.push({ api: 'showToast', title: o && o.title });
      settle(realm, o, true, { errMsg: 'showToast:ok' });
    },
    showModal: (o) => {
      ui.push({ api: 'showModal', title: o && o.title, content: o && o.content });
      settle(realm, o, true, { confirm: true, cancel: false, errMsg: 'showModal:ok' });
    },
    showLoading: (o) => {
      ui.push({ api: 'showLoading', title: o && o.title });
      settle(realm, o, true, { errMsg: 'showLoading:ok' });
    },
    hideLoading: (o) => settle(realm, o, true, { errMsg: 'hideLoading:ok' }),
  };

  const WXWebAssembly = createWXWebAssembly(realm, root, opts);
  return {
    wx: Object.assign(realm.toRealm({}), wx),
    WXWebAssembly,
    ui,
    storage,
    setShowOptions: (o) => {
      lastShowOptions = o;
    },
  };
}

function createWXWebAssembly(realm, root, opts) {
  const W = realm.intrinsics.WebAssembly;
  const out = realm.toRealm({});
  out.instantiate = (p, imports) => {
    const reject = (msg) => realm.intrinsics.reject(realm.error(msg));
    if (typeof p !== 'string') {
      return reject(`WXWebAssembly.instantiate: path should be a string of a wasm file in the code package, got ${typeName(p)}`);
    }
    if (!/\.wasm(\.br)?$/.test(p)) return reject(`WXWebAssembly.instantiate: ${p} is not a .wasm or .wasm.br file`);
    const abs = packageFile(root, p);
    if (!abs) return reject(`WXWebAssembly.instantiate: wasm file not found: ${p}`);
    let bytes = fs.readFileSync(abs);
    if (abs.endsWith('.br')) {
      try {
        bytes = zlib.brotliDecompressSync(bytes);
      } catch (e) {
        return reject(`WXWebAssembly.instantiate: cannot decompress ${p}`);
      }
    }
    return W.instantiate(realm.intrinsics.fromBytes(bytes), imports).then((r) => (opts.wasmResult === 'instance' ? r.instance : r));
  };
  out.Memory = W.Memory;
  out.Table = W.Table;
  out.Global = W.Global;
  out.RuntimeError = W.RuntimeError;
  return out;
}

module.exports = { createWx, MAX_SOCKETS };
