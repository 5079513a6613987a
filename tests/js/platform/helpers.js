'use strict';
/** Fakes of the mini-program socket APIs that record what the transports do. */

/** Records transport events in order. */
function recorder() {
  const events = [];
  const raw = []; // the message bytes as handed over
  return {
    events,
    raw,
    on: {
      open: () => events.push(['open']),
      message: (bytes) => {
        raw.push(bytes);
        events.push(['message', Array.from(bytes)]);
      },
      close: (code, reason) => events.push(['close', code, reason]),
      error: (err) => events.push(['error', err.message]),
    },
    kinds: () => events.map((e) => e[0]),
  };
}

/** A SocketTask (WeChat, or Alipay with multiple: true) whose events the test fires. */
function fakeTask() {
  const handlers = {};
  const task = {
    sent: [],
    closed: [],
    handlers,
    send(o) {
      task.sent.push(o);
    },
    close(o) {
      task.closed.push(o || {});
    },
    fire(name, res) {
      if (!handlers[name]) throw new Error('no ' + name + ' handler attached');
      handlers[name](res);
    },
  };
  for (const name of ['Open', 'Message', 'Close', 'Error']) task['on' + name] = (fn) => (handlers[name] = fn);
  return task;
}

function lifecycleApi(api) {
  const subs = {};
  for (const ev of ['AppShow', 'AppHide', 'NetworkStatusChange']) {
    subs[ev] = new Set();
    api['on' + ev] = (fn) => subs[ev].add(fn);
    api['off' + ev] = (fn) => subs[ev].delete(fn);
  }
  api.emitLifecycle = (ev, res) => [...subs[ev]].forEach((fn) => fn(res));
  api.lifecycleSubs = subs;
  return api;
}

function fakeWx() {
  const api = lifecycleApi({
    tasks: [],
    connects: [],
    requests: [],
    connectSocket(o) {
      api.connects.push(o);
      const t = fakeTask();
      api.tasks.push(t);
      return t;
    },
    request(o) {
      api.requests.push(o);
    },
  });
  return api;
}

/** Alipay: SocketTask form, or (legacy: true) the global single-socket API. */
function fakeMy({ legacy = false } = {}) {
  const g = {};
  const api = lifecycleApi({
    tasks: [],
    connects: [],
    requests: [],
    sentLegacy: [],
    closeSocketCalls: 0,
    legacyHandlers: g,
    connectSocket(o) {
      api.connects.push(o);
      if (legacy) return undefined;
      const t = fakeTask();
      api.tasks.push(t);
      return t;
    },
    sendSocketMessage(o) {
      api.sentLegacy.push(o);
    },
    closeSocket() {
      api.closeSocketCalls++;
    },
    fireLegacy(name, res) {
      [...(g[name] || [])].forEach((fn) => fn(res));
    },
    request(o) {
      api.requests.push(o);
    },
  });
  for (const name of ['Open', 'Message', 'Close', 'Error']) {
    g[name] = new Set();
    api['onSocket' + name] = (fn) => g[name].add(fn);
    api['offSocket' + name] = (fn) => g[name].delete(fn);
  }
  return api;
}

/**
 * A hand-assembled wasm module importing `ping: () => i32` from "./mpmqtt_bg.js" and
 * exporting `run() = ping() + 1`: proves an import object reached the instance.
 */
function tinyWasm() {
  const name = Buffer.from('./mpmqtt_bg.js');
  const importBody = Buffer.concat([Buffer.from([0x01, name.length]), name, Buffer.from([0x04]), Buffer.from('ping'), Buffer.from([0x00, 0x00])]);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
      Buffer.from([0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f]),
      Buffer.from([0x02, importBody.length]),
      importBody,
      Buffer.from([0x03, 0x02, 0x01, 0x00]),
      Buffer.from([0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01]),
      Buffer.from([0x0a, 0x09, 0x01, 0x07, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b]),
    ])
  );
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` with these globals set (a runtime's `wx`, `my`, `tt`…), restoring them after. */
function withGlobals(globals, fn) {
  const saved = {};
  for (const k of Object.keys(globals)) {
    saved[k] = Object.getOwnPropertyDescriptor(global, k);
    global[k] = globals[k];
  }
  try {
    return fn();
  } finally {
    for (const k of Object.keys(globals)) {
      if (saved[k]) Object.defineProperty(global, k, saved[k]);
      else delete global[k];
    }
  }
}

module.exports = { recorder, fakeTask, fakeWx, fakeMy, tinyWasm, tick, withGlobals };
