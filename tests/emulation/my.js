'use strict';
/**
 * The Alipay logic-layer API (`my`) as documented, over a Device.
 *
 * Sockets, both documented forms:
 *  - `multiple: true` (or `defaultMultiple`, i.e. app.json behavior.connectSocketDefaultMultiple)
 *    -> SocketTask {onOpen, onMessage, onClose, onError, offX, send, close}, at most 5.
 *    onMessage shape is not settled by the docs: `messageShape: 'nested'` (default) gives
 *    {data: {data, isBuffer}}, `'flat'` gives {data, isBuffer}. Binary frames arrive base64
 *    encoded with isBuffer: true; text frames as the string with isBuffer: false.
 *  - legacy single socket: my.onSocketOpen/onSocketMessage({data, isBuffer})/onSocketClose/
 *    onSocketError (+ off*), my.sendSocketMessage({data: string, isBuffer}) where isBuffer: true
 *    means `data` is base64 of a binary frame, my.closeSocket() (no code). A second
 *    connectSocket replaces the first (its events are no longer delivered), or fails with
 *    error 3 with `legacySecondConnect: 'error3'` (Android clients).
 *  - The sub-protocol must be given as header {'Sec-WebSocket-Protocol': 'mqtt'} (a `protocols`
 *    array is honoured too; MQTT.js' string `protocols: 'mqtt'` is ignored); without one the
 *    socket fails with error 8. Only wss:// URLs are accepted (error 20).
 * Failures are {error, errorMessage}. Codes: 2 bad parameter, 3 already connected (legacy,
 * Android), 8 Sec-WebSocket-Protocol missing, 20 wss required (all documented); 1 stands for
 * any other connection failure.
 *
 * my.request({url, method, data, headers, dataType = 'json'}) -> {data, status, headers};
 * a non-2xx status is a failure (error 19), unparsable JSON error 14, network error 12,
 * timeout 13. Default content-type is application/x-www-form-urlencoded.
 */
const fs = require('fs');
const { settle, listeners, encodeBody, headerValue, packageFile, createStorage } = require('./common');
const { isArrayBuffer, toBuffer, typeName } = require('./realm');

const MAX_SOCKETS = 5;
const NETWORK_TYPES = { wifi: 'WIFI', none: 'NOTREACHABLE', '4g': '4G', '3g': '3G', '2g': '2G' };

/**
 * @param {object} env  {realm, device, root, opts}; opts: {messageShape, defaultMultiple,
 *   legacySecondConnect, requireWss = true, requireProtocolHeader = true, systemInfo}
 */
function createMy({ realm, device, root, opts = {} }) {
  const requireWss = opts.requireWss !== false;
  const requireProtocol = opts.requireProtocolHeader !== false;
  const shape = opts.messageShape || 'nested';
  const ui = [];
  // opts.storage: the phone's storage, kept across an app kill and relaunch (a new page on it).
  const storage = opts.storage || createStorage();
  const appShow = listeners();
  const appHide = listeners();
  const network = listeners();
  device.on('show', () => appShow.emit(realm.toRealm({ query: {}, path: '' })));
  device.on('hide', () => appHide.emit(realm.toRealm({})));
  device.on('network', (st) =>
    network.emit(realm.toRealm({ isConnected: st.isConnected, networkType: NETWORK_TYPES[st.networkType] || 'UNKNOWN' })),
  );

  const fail = (code, message) => ({ error: code, errorMessage: message });
  const tasks = new Set();
  const legacy = { open: listeners(), message: listeners(), close: listeners(), error: listeners() };
  let legacySocket = null;

  /**
   * Opens one socket and reports to `emit` = {open, message, close, error}: returns the host
   * socket, or null after reporting a failure (fail callback + error + close).
   */
  function open(o, emit, messageEvent) {
    const early = (code, msg) => {
      device.emit('socket-error', { pageUrl: o.url, url: null }, `connectSocket error ${code}: ${msg}`);
      settle(realm, o, false, fail(code, msg));
      setImmediate(() => {
        emit.error(realm.toRealm(fail(code, msg)));
        emit.close(realm.toRealm({ code: 1006, reason: 'abnormal closure' }));
      });
      return null;
    };
    const url = o.url;
    if (typeof url !== 'string') return early(2, `url should be String instead of ${typeName(url)}`);
    if (requireWss && !/^wss:\/\//i.test(url)) return early(20, 'only wss:// is supported');
    const headers = Object.assign({}, o.header || {});
    const headerProto = headerValue(headers, 'sec-websocket-protocol');
    for (const k of Object.keys(headers)) if (/^sec-websocket-protocol$/i.test(k)) delete headers[k];
    let protocols = [];
    if (headerProto !== undefined) protocols = String(headerProto).split(',').map((s) => s.trim()).filter(Boolean);
    else if (Array.isArray(o.protocols)) protocols = o.protocols.map(String);
    if (requireProtocol && protocols.length === 0) return early(8, 'please specify Sec-WebSocket-Protocol in header');
    const s = device.openSocket(url, protocols, headers, {
      open: (h) => emit.open(realm.toRealm({ header: h })),
      message: (buf, isBinary) => emit.message(messageEvent(buf, isBinary)),
      error: (msg) => emit.error(realm.toRealm(fail(1, msg))),
      close: (code, reason) => emit.close(realm.toRealm({ code, reason })),
    }, realm);
    settle(realm, o, true, {});
    return s;
  }

  const payload = (buf, isBinary) => (isBinary ? { data: buf.toString('base64'), isBuffer: true } : { data: buf.toString('utf8'), isBuffer: false });

  /** Shared send: string (isBuffer: base64) or, for SocketTask, an ArrayBuffer. */
  function sendOn(s, o, allowArrayBuffer) {
    o = o || {};
    const data = o.data;
    let bytes;
    let binary;
    if (typeof data === 'string') {
      binary = !!o.isBuffer;
      if (binary) {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return settle(realm, o, false, fail(2, 'data is not valid base64'));
        bytes = Buffer.from(data, 'base64');
      } else bytes = data;
    } else if (allowArrayBuffer && isArrayBuffer(data)) {
      binary = true;
      bytes = toBuffer(data);
    } else {
      return settle(realm, o, false, fail(2, `data should be String instead of ${typeName(data)}`));
    }
    if (!s || s.state !== 'open') return settle(realm, o, false, fail(10, 'WebSocket is not connected'));
    s.send(bytes, binary).then((err) => settle(realm, o, !err, err ? fail(1, err) : {}));
  }

  function connectSocket(o) {
    o = o || {};
    const multiple = o.multiple === undefined ? !!opts.defaultMultiple : !!o.multiple;
    return multiple ? connectTask(o) : connectLegacy(o);
  }

  function connectTask(o) {
    const task = realm.toRealm({});
    const h = { open: listeners(), message: listeners(), close: listeners(), error: listeners() };
    for (const [name, l] of Object.entries(h)) {
      const cap = name[0].toUpperCase() + name.slice(1);
      task['on' + cap] = l.on;
      task['off' + cap] = l.off;
    }
    let s = null;
    task.send = (so) => sendOn(s, so, true);
    task.close = (c) => {
      c = c || {};
      if (!s || s.state === 'closed' || s.state === 'closing') return settle(realm, c, false, fail(10, 'WebSocket is not connected'));
      const code = c.code === undefined ? 1000 : c.code;
      if (code !== 1000 && !(code >= 3000 && code <= 4999)) return settle(realm, c, false, fail(2, `invalid close code ${code}`));
      s.close(code, c.reason === undefined ? '' : String(c.reason));
      settle(realm, c, true, {});
    };
    if (tasks.size >= MAX_SOCKETS) {
      settle(realm, o, false, fail(1, 'exceed max task count'));
      return task;
    }
    const emit = {
      open: h.open.emit,
      message: h.message.emit,
      error: h.error.emit,
      close: (res) => {
        tasks.delete(task);
        h.close.emit(res);
      },
    };
    tasks.add(task);
    s = open(o, emit, (buf, isBinary) => realm.toRealm(shape === 'flat' ? payload(buf, isBinary) : { data: payload(buf, isBinary) }));
    if (s === null) tasks.delete(task);
    Object.defineProperty(task, '__host', { value: s, enumerable: false });
    return task;
  }

  function connectLegacy(o) {
    if (legacySocket && legacySocket.state !== 'closed') {
      if (opts.legacySecondConnect === 'error3') {
        settle(realm, o, false, fail(3, 'a socket is already connected'));
        return undefined;
      }
      // Replacement: the old socket goes away silently; its events no longer reach the page.
      legacySocket.interrupt(1000, 'replaced');
    }
    let current = null;
    const guard = (fn) => (arg) => {
      if (legacySocket === current) fn(arg);
    };
    current = open(
      o,
      {
        open: guard(legacy.open.emit),
        message: guard(legacy.message.emit),
        error: guard(legacy.error.emit),
        close: guard(legacy.close.emit),
      },
      (buf, isBinary) => realm.toRealm(payload(buf, isBinary)),
    );
    // A failed open still owns the global handlers until its close has been reported.
    legacySocket = current;
    if (current === null) {
      legacySocket = null;
    }
    return undefined;
  }

  function request(o) {
    o = o || {};
    const method = String(o.method || 'GET').toUpperCase();
    const headers = Object.assign({}, o.headers || {});
    if (headerValue(headers, 'content-type') === undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const { body, query } = encodeBody(method, o.data, headerValue(headers, 'content-type'));
    const url = query ? o.url + (String(o.url).includes('?') ? '&' : '?') + query : o.url;
    const dataType = (o.dataType || 'json').toLowerCase();
    let aborted = false;
    if (requireWss && !/^https:\/\//i.test(String(o.url))) {
      settle(realm, o, false, fail(2, 'only https:// is supported'));
      return realm.toRealm({ abort() {} });
    }
    device
      .request({ url, method, headers, body, timeout: o.timeout })
      .then((res) => {
        if (aborted) return;
        let data;
        if (dataType === 'arraybuffer') data = realm.intrinsics.fromBytes(res.body);
        else if (dataType === 'base64') data = res.body.toString('base64');
        else data = res.body.toString('utf8');
        if (dataType === 'json') {
          try {
            data = JSON.parse(data);
          } catch (e) {
            return settle(realm, o, false, Object.assign(fail(14, 'JSON parse data error'), { status: res.status }));
          }
        }
        if (res.status < 200 || res.status > 299) {
          return settle(realm, o, false, Object.assign(fail(19, 'http status error'), { status: res.status, data, headers: res.headers }));
        }
        settle(realm, o, true, { data, status: res.status, headers: res.headers });
      })
      .catch((err) => {
        if (!aborted) settle(realm, o, false, fail(err.message === 'timeout' ? 13 : 12, err.message));
      });
    const task = realm.toRealm({});
    task.abort = () => {
      if (aborted) return;
      aborted = true;
      settle(realm, o, false, fail(9, 'request aborted'));
    };
    return task;
  }

  const fsManager = {
    readFileSync(p, encoding) {
      const abs = packageFile(root, p);
      if (!abs) return realm.toRealm(fail(10022, `no such file ${p}`));
      const buf = fs.readFileSync(abs);
      return realm.toRealm({ data: encoding ? buf.toString(encoding === 'utf-8' ? 'utf8' : encoding) : buf });
    },
  };

  const my = {
    connectSocket,
    sendSocketMessage: (o) => sendOn(legacySocket, o, false),
    closeSocket: (o) => {
      o = o || {};
      const s = legacySocket;
      if (!s || s.state === 'closed' || s.state === 'closing') return settle(realm, o, false, fail(10, 'WebSocket is not connected'));
      s.close(1000, '');
      settle(realm, o, true, {});
    },
    onSocketOpen: legacy.open.on,
    offSocketOpen: legacy.open.off,
    onSocketMessage: legacy.message.on,
    offSocketMessage: legacy.message.off,
    onSocketClose: legacy.close.on,
    offSocketClose: legacy.close.off,
    onSocketError: legacy.error.on,
    offSocketError: legacy.error.off,
    request,
    onAppShow: appShow.on,
    offAppShow: appShow.off,
    onAppHide: appHide.on,
    offAppHide: appHide.off,
    onNetworkStatusChange: network.on,
    offNetworkStatusChange: network.off,
    getNetworkType: (o) =>
      settle(realm, o, true, { networkAvailable: device.online, networkType: device.online ? NETWORK_TYPES[device.networkType] || 'UNKNOWN' : 'NOTREACHABLE' }),
    getStorageSync: (o) => realm.toRealm({ data: storage.get(o && o.key) === undefined ? null : storage.get(o.key) }),
    setStorageSync: (o) => {
      storage.set(o.key, o.data);
      return realm.toRealm({ success: true });
    },
    removeStorageSync: (o) => {
      storage.remove(o.key);
      return realm.toRealm({ success: true });
    },
    clearStorageSync: () => storage.clear(),
    getSystemInfoSync: () => realm.toRealm(Object.assign({ platform: 'Android', system: '12', version: '10.5.70', SDKVersion: '2.9.7', app: 'alipay' }, opts.systemInfo)),
    getFileSystemManager: () => fsManager,
    alert: (o) => {
      ui.push({ api: 'alert', title: o && o.title, content: o && o.content });
      settle(realm, o, true, {});
    },
    showToast: (o) => {
      ui.push({ api: 'showToast', content: o && o.content });
      settle(realm, o, true, {});
    },
    showLoading: (o) => {
      ui.push({ api: 'showLoading', content: o && o.content });
      settle(realm, o, true, {});
    },
    hideLoading: (o) => settle(realm, o, true, {}),
  };

  return { my: Object.assign(realm.toRealm({}), my), ui, storage, legacySocket: () => legacySocket };
}

module.exports = { createMy, MAX_SOCKETS };
