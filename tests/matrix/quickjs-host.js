'use strict';
/**
 * Matrix environment 6: the fallback bundle inside QuickJS (quickjs-emscripten), an engine
 * with no WebAssembly, no timers, no sockets and no module system. The host Node process
 * gives the QuickJS realm only what a minimal embedding would: setTimeout/clearTimeout, a
 * console, and a WebSocket-like class whose sockets live in the host (the `ws` package).
 * Bytes cross the boundary as hex strings; after every host → realm call the host runs the
 * realm's pending jobs (promise reactions).
 *
 * The realm loads mqtt.fallback.js, mqtt.min.js and roundtrip.js as plain scripts, exactly
 * as a <script> page would, so `require` is absent and the globals are the only link.
 */
const fs = require('fs');
const path = require('path');

/** Realm-side half of the bridge (runs inside QuickJS). */
const REALM_PRELUDE = `
var __timers = {};
function setTimeout(fn, ms) {
  var args = Array.prototype.slice.call(arguments, 2);
  var id = __host_setTimeout(+ms || 0);
  __timers[id] = function () { fn.apply(undefined, args); };
  return id;
}
function clearTimeout(id) {
  if (__timers[id]) { delete __timers[id]; __host_clearTimeout(id); }
}
function __fireTimer(id) {
  var fn = __timers[id];
  delete __timers[id];
  if (fn) fn();
}
var console = {
  log: function () { __host_log('log', Array.prototype.join.call(arguments, ' ')); },
  warn: function () { __host_log('warn', Array.prototype.join.call(arguments, ' ')); },
  error: function () { __host_log('error', Array.prototype.join.call(arguments, ' ')); },
};
function __toHex(bytes) {
  var s = '';
  for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}
function __fromHex(hex) {
  var out = new Uint8Array(hex.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out.buffer;
}
var __sockets = {};
function WebSocket(url, protocols) {
  this.url = url;
  this.readyState = 0;
  this.binaryType = 'blob';
  this.protocol = '';
  this.id = __host_wsOpen(String(url), JSON.stringify([].concat(protocols || [])));
  __sockets[this.id] = this;
}
WebSocket.CONNECTING = 0; WebSocket.OPEN = 1; WebSocket.CLOSING = 2; WebSocket.CLOSED = 3;
WebSocket.prototype.send = function (data) {
  if (this.readyState !== 1) throw new Error('WebSocket is not open');
  var bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  __host_wsSend(this.id, __toHex(bytes));
};
WebSocket.prototype.close = function (code, reason) {
  if (this.readyState >= 2) return;
  this.readyState = 2;
  __host_wsClose(this.id, code === undefined ? 1000 : code, reason || '');
};
function __wsEvent(id, type, a, b) {
  var s = __sockets[id];
  if (!s) return;
  if (type === 'open') { s.readyState = 1; s.protocol = a; if (s.onopen) s.onopen({ type: 'open' }); }
  else if (type === 'message') { if (s.onmessage) s.onmessage({ type: 'message', data: __fromHex(a) }); }
  else if (type === 'error') { if (s.onerror) s.onerror({ type: 'error', message: a }); }
  else if (type === 'close') { s.readyState = 3; delete __sockets[id]; if (s.onclose) s.onclose({ type: 'close', code: a, reason: b }); }
}
`;

/**
 * @param {{wsUrl: string, dist: string}} cfg
 * @param {{roundtrip: string, timeout: number, clientId: string, topic: string}} o
 */
async function run(cfg, o) {
  const { getQuickJS } = require('quickjs-emscripten');
  const WS = require('ws');
  const QuickJS = await getQuickJS();
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(256 * 1024 * 1024);
  const vm = runtime.newContext();
  const logs = [];
  const timers = new Map();
  const sockets = new Map();
  let nextId = 1;
  let failure = null;
  let settle;
  const finished = new Promise((resolve) => {
    settle = resolve;
  });

  function pump() {
    for (;;) {
      const r = runtime.executePendingJobs(-1);
      if (r.error) {
        failure = failure || new Error('unhandled error in a QuickJS job: ' + JSON.stringify(vm.dump(r.error)));
        r.error.dispose();
        settle();
        return;
      }
      if (r.value === 0) return;
    }
  }
  /** Calls a realm global function with primitive arguments, then runs pending jobs. */
  function callRealm(name, ...args) {
    if (!vm.alive) return;
    const fn = vm.getProp(vm.global, name);
    const handles = args.map((a) => (typeof a === 'number' ? vm.newNumber(a) : vm.newString(String(a))));
    const r = vm.callFunction(fn, vm.undefined, ...handles);
    handles.forEach((h) => h.dispose());
    fn.dispose();
    if (r.error) {
      failure = failure || new Error(name + ' threw in QuickJS: ' + JSON.stringify(vm.dump(r.error)));
      r.error.dispose();
      settle();
    } else r.value.dispose();
    pump();
  }
  function expose(name, impl) {
    const fn = vm.newFunction(name, (...handles) => {
      const args = handles.map((h) => vm.dump(h));
      const ret = impl(...args);
      if (ret === undefined) return undefined;
      return typeof ret === 'number' ? vm.newNumber(ret) : vm.newString(String(ret));
    });
    vm.setProp(vm.global, name, fn);
    fn.dispose();
  }

  expose('__host_log', (level, text) => {
    logs.push(level + ': ' + text);
  });
  expose('__host_setTimeout', (ms) => {
    const id = nextId++;
    timers.set(id, setTimeout(() => {
      timers.delete(id);
      callRealm('__fireTimer', id);
    }, ms));
    return id;
  });
  expose('__host_clearTimeout', (id) => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  });
  expose('__host_wsOpen', (url, protocolsJson) => {
    const id = nextId++;
    const ws = new WS(url, JSON.parse(protocolsJson));
    sockets.set(id, ws);
    // Events reach the realm asynchronously, as in any WebSocket implementation.
    ws.on('open', () => callRealm('__wsEvent', id, 'open', ws.protocol || ''));
    ws.on('message', (data) => callRealm('__wsEvent', id, 'message', Buffer.from(data).toString('hex')));
    ws.on('error', (err) => callRealm('__wsEvent', id, 'error', err.message));
    ws.on('close', (code, reason) => {
      sockets.delete(id);
      callRealm('__wsEvent', id, 'close', code, reason.toString());
    });
    return id;
  });
  expose('__host_wsSend', (id, hex) => {
    const ws = sockets.get(id);
    if (ws) ws.send(Buffer.from(hex, 'hex'));
  });
  expose('__host_wsClose', (id, code, reason) => {
    const ws = sockets.get(id);
    if (ws) ws.close(code, reason);
  });
  expose('__host_done', (json) => {
    settle(JSON.parse(json));
  });

  const evalScript = (code, file) => {
    const r = vm.evalCode(code, file);
    if (r.error) {
      const e = vm.dump(r.error);
      r.error.dispose();
      throw new Error(file + ' failed in QuickJS: ' + JSON.stringify(e));
    }
    r.value.dispose();
    pump();
  };

  const env = [];
  try {
    evalScript(REALM_PRELUDE, 'prelude.js');
    const probe = vm.unwrapResult(vm.evalCode('[typeof WebAssembly, typeof require, typeof process, typeof TextEncoder].join()'));
    env.push('realm has WebAssembly/require/process/TextEncoder: ' + vm.dump(probe));
    probe.dispose();
    for (const f of ['mqtt.fallback.js', 'mqtt.min.js']) evalScript(fs.readFileSync(path.join(cfg.dist, f), 'utf8'), f);
    evalScript(fs.readFileSync(o.roundtrip, 'utf8'), 'roundtrip.js');
    evalScript(
      `mpmqttRoundTrip(mqtt, ${JSON.stringify(cfg.wsUrl + '/mqtt')}, { clientId: ${JSON.stringify(o.clientId)}, topic: ${JSON.stringify(o.topic)}, timeout: ${o.timeout} },
        function (err, report) { __host_done(JSON.stringify(err ? { ok: false, error: String(err && err.message || err) } : report)); });`,
      'main.js'
    );
    const report = await finished;
    if (failure) throw failure;
    const detail = 'quickjs-emscripten ' + require('quickjs-emscripten/package.json').version + '; ' + env.join('; ');
    if (report.ok === false) return { ok: false, error: report.error, detail: detail + '; console: ' + logs.slice(-5).join(' | ') };
    return Object.assign({ ok: true, detail }, report);
  } finally {
    for (const t of timers.values()) clearTimeout(t);
    for (const ws of sockets.values()) ws.terminate();
    sockets.clear();
    timers.clear();
    vm.dispose();
    runtime.dispose();
  }
}

module.exports = { run };
