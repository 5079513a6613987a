'use strict';
/**
 * The logic-layer socket APIs of the other mini-program runtimes, over a Device, written from
 * each platform's documentation (docs/platforms.md "Other mini-program runtimes" lists the
 * pages read). What a runtime does not document is absent (no `off*` methods on tasks, no
 * WebAssembly unless the test asks for it, no storage/UI APIs: pages under test use none).
 *
 * tt (Douyin, Toutiao, Feishu), qq, swan (Baidu), ks (Kuaishou), uni (uni-app App/H5):
 *  - connectSocket({url, header, protocols, success, fail, complete}) -> SocketTask; `url` a
 *    wss:// string, `protocols` an Array of strings (a bare string is a parameter error, as
 *    MQTT.js' `protocols: 'mqtt'` would be), at most `maxSockets` tasks open (Feishu, QQ: 5).
 *    A runtime may additionally take the listed extra keys (tt: timeout).
 *  - SocketTask.send({data: string | ArrayBuffer}); anything else (a Uint8Array too) fails.
 *  - SocketTask.close({code = 1000, reason}) with 1000 or 3000..4999, reason <= 123 bytes.
 *  - onOpen/onMessage({data: string | ArrayBuffer})/onError({errMsg})/onClose({code, reason}).
 *  - request({url, header, method, data, dataType, responseType}) -> {statusCode, header, data}.
 *  - onAppShow/onAppHide/onNetworkStatusChange with their off* counterparts.
 * dd (DingTalk): the Alipay legacy single-socket API (my.js) over the `dd` name; `multiple`
 * is not a DingTalk option and is ignored, so connectSocket never returns a task.
 */
const { settle, listeners, encodeBody, headerValue } = require('./common');
const { isArrayBuffer, toBuffer, typeName } = require('./realm');
const { createMy } = require('./my');

/** What each runtime's docs give: the global's name, socket limit, extra connectSocket keys. */
const SPECS = {
  tt: { maxSockets: 5, extraKeys: ['timeout'] },
  qq: { maxSockets: 5, extraKeys: ['tcpNoDelay', 'perMessageDeflate', 'timeout'] },
  swan: { maxSockets: 5, extraKeys: [] },
  ks: { maxSockets: 5, extraKeys: [] },
  uni: { maxSockets: 5, extraKeys: [] },
};
const CONNECT_KEYS = ['url', 'header', 'protocols', 'success', 'fail', 'complete'];

/**
 * @param {string} name  a key of SPECS
 * @param {{realm: object, device: object, root: string, opts?: object}} env  opts.requireWss (default true)
 * @returns {{api: object, ui: object[]}}
 */
function createSocketTaskRuntime(name, { realm, device, opts = {} }) {
  const spec = SPECS[name];
  if (!spec) throw new Error('unknown runtime ' + name);
  const requireWss = opts.requireWss !== false;
  const appShow = listeners();
  const appHide = listeners();
  const network = listeners();
  device.on('show', () => appShow.emit(realm.toRealm({ path: '', query: {}, scene: 1001 })));
  device.on('hide', () => appHide.emit(realm.toRealm({})));
  device.on('network', (st) => network.emit(realm.toRealm(st)));
  const tasks = new Set();
  const fail = (what, msg) => ({ errMsg: what + ':fail ' + msg });

  function connectSocket(o) {
    const task = realm.toRealm({});
    const h = { open: listeners(), message: listeners(), close: listeners(), error: listeners() };
    for (const [ev, l] of Object.entries(h)) task['on' + ev[0].toUpperCase() + ev.slice(1)] = (fn) => l.on(fn);
    let host = null;
    const early = (msg) => {
      device.emit('socket-error', { pageUrl: o && o.url, url: null }, 'connectSocket:fail ' + msg);
      settle(realm, o, false, fail('connectSocket', msg));
      setImmediate(() => {
        h.error.emit(realm.toRealm(fail('connectSocket', msg)));
        h.close.emit(realm.toRealm({ code: 1006, reason: 'abnormal closure' }));
      });
      return task;
    };
    task.send = (s) => {
      s = s || {};
      if (typeof s.data !== 'string' && !isArrayBuffer(s.data)) {
        return settle(realm, s, false, fail('sendSocketMessage', `parameter error: data should be String or ArrayBuffer instead of ${typeName(s.data)}`));
      }
      if (!host || host.state !== 'open') return settle(realm, s, false, fail('sendSocketMessage', 'WebSocket is not connected'));
      const binary = typeof s.data !== 'string';
      host.send(binary ? toBuffer(s.data) : s.data, binary).then((err) => settle(realm, s, !err, err ? fail('sendSocketMessage', err) : { errMsg: 'sendSocketMessage:ok' }));
    };
    task.close = (c) => {
      c = c || {};
      const code = c.code === undefined ? 1000 : c.code;
      const reason = c.reason === undefined ? '' : String(c.reason);
      if (!host || host.state === 'closed' || host.state === 'closing') return settle(realm, c, false, fail('closeSocket', 'WebSocket is not connected'));
      if (code !== 1000 && !(code >= 3000 && code <= 4999)) return settle(realm, c, false, fail('closeSocket', `invalid code ${code}`));
      if (Buffer.byteLength(reason) > 123) return settle(realm, c, false, fail('closeSocket', 'reason longer than 123 bytes'));
      host.close(code, reason);
      settle(realm, c, true, { errMsg: 'closeSocket:ok' });
    };
    if (o === null || typeof o !== 'object') return early(`parameter error: parameter should be Object instead of ${typeName(o)}`);
    const unknown = Object.keys(o).filter((k) => !CONNECT_KEYS.includes(k) && !spec.extraKeys.includes(k));
    if (unknown.length) return early(`parameter error: unknown parameter ${unknown.join(', ')}`);
    if (typeof o.url !== 'string') return early(`parameter error: url should be String instead of ${typeName(o.url)}`);
    if (requireWss && !/^wss:\/\//i.test(o.url)) return early(`invalid url "${o.url}"`);
    if (o.protocols !== undefined && (!Array.isArray(o.protocols) || o.protocols.some((p) => typeof p !== 'string'))) {
      return early(`parameter error: protocols should be Array of String instead of ${typeName(o.protocols)}`);
    }
    if (o.header !== undefined && (o.header === null || typeof o.header !== 'object')) return early(`parameter error: header should be Object instead of ${typeName(o.header)}`);
    if (tasks.size >= spec.maxSockets) return early('exceed max task count');
    const headers = Object.assign({}, o.header);
    for (const k of Object.keys(headers)) if (/^referer$/i.test(k)) delete headers[k];
    tasks.add(task);
    host = device.openSocket(o.url, o.protocols || [], headers, {
      open: (respHeaders) => h.open.emit(realm.toRealm({ header: respHeaders })),
      message: (buf, isBinary) => h.message.emit(realm.toRealm({ data: isBinary ? realm.intrinsics.fromBytes(buf) : buf.toString('utf8') })),
      error: (msg) => h.error.emit(realm.toRealm({ errMsg: msg })),
      close: (code, reason) => {
        tasks.delete(task);
        h.close.emit(realm.toRealm({ code, reason }));
      },
    }, realm);
    Object.defineProperty(task, '__host', { value: host, enumerable: false });
    settle(realm, o, true, { errMsg: 'connectSocket:ok', socketTaskId: tasks.size });
    return task;
  }

  function request(o) {
    o = o || {};
    const method = String(o.method || 'GET').toUpperCase();
    const header = Object.assign({}, o.header);
    if (headerValue(header, 'content-type') === undefined) header['content-type'] = 'application/json';
    const { body, query } = encodeBody(method, o.data, headerValue(header, 'content-type'));
    const url = query ? o.url + (String(o.url).includes('?') ? '&' : '?') + query : o.url;
    if (requireWss && !/^https:\/\//i.test(String(o.url))) {
      settle(realm, o, false, fail('request', `invalid url "${o.url}"`));
      return realm.toRealm({ abort() {} });
    }
    device
      .request({ url, method, headers: header, body, timeout: o.timeout })
      .then((res) => {
        let data = o.responseType === 'arraybuffer' ? realm.intrinsics.fromBytes(res.body) : res.body.toString('utf8');
        if (typeof data === 'string' && (o.dataType || 'json') === 'json') {
          try {
            data = JSON.parse(data);
          } catch (e) {
            // the raw text, as WeChat does
          }
        }
        settle(realm, o, true, { data, statusCode: res.status, header: res.headers, errMsg: 'request:ok' });
      })
      .catch((err) => settle(realm, o, false, fail('request', err.message)));
    return realm.toRealm({ abort() {} });
  }

  const api = Object.assign(realm.toRealm({}), {
    connectSocket,
    request,
    onAppShow: appShow.on,
    offAppShow: appShow.off,
    onAppHide: appHide.on,
    offAppHide: appHide.off,
    onNetworkStatusChange: network.on,
    offNetworkStatusChange: network.off,
  });
  return { api, ui: [], tasks };
}

/** DingTalk: the Alipay legacy socket API under the `dd` name. */
function createDd(env) {
  const made = createMy(Object.assign({}, env, { opts: Object.assign({}, env.opts, { defaultMultiple: false }) }));
  const api = made.my;
  const connect = api.connectSocket;
  api.connectSocket = (o) => {
    const copy = Object.assign({}, o);
    delete copy.multiple;
    connect(copy);
    return undefined;
  };
  return { api, ui: made.ui, legacySocket: made.legacySocket };
}

/** Every runtime name this module emulates. */
const RUNTIME_NAMES = Object.keys(SPECS).concat('dd');

/** The API object of runtime `name`, to install as the global of that name. */
function createRuntime(name, env) {
  return name === 'dd' ? createDd(env) : createSocketTaskRuntime(name, env);
}

module.exports = { createRuntime, RUNTIME_NAMES, SPECS };
