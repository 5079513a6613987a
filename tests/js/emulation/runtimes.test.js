'use strict';
/**
 * The emulated tt/qq/swan/ks/uni/dd logic layers (tests/emulation/runtimes.js) refuse what
 * their documentation does not allow, so a transport that passes the wrong shapes fails in
 * the matrix instead of on a phone.
 */
const test = require('node:test');
const assert = require('node:assert');
const { createRealm } = require('../../emulation/realm');
const { Device } = require('../../emulation/device');
const { createRuntime, RUNTIME_NAMES, SPECS } = require('../../emulation/runtimes');
const WebSocket = require('ws');

// A loopback server that accepts every socket, so the ones the runtime lets through stay open.
let server;
let URL_OK;
test.before(async () => {
  server = new WebSocket.Server({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  URL_OK = 'ws://127.0.0.1:' + server.address().port + '/mqtt';
});
test.after(() => {
  for (const c of server.clients) c.terminate();
  server.close();
});

function setup(name) {
  const realm = createRealm({ name });
  // The page must say wss://; the test rewrites it to the loopback server.
  const device = new Device({ rewrite: (u) => u.replace(/^wss:\/\/ok\.example/, URL_OK.replace(/\/mqtt$/, '')) });
  const made = createRuntime(name, { realm, device, root: __dirname });
  return { realm, device, api: made.api, close: () => { realm.dispose(); device.dispose(); } };
}

/** Calls connectSocket and resolves with the fail result (or null when it succeeded). */
function connectResult(api, o) {
  return new Promise((resolve) => {
    const task = api.connectSocket(Object.assign({ success: () => resolve({ ok: true, task }), fail: (res) => resolve({ ok: false, res, task }) }, o));
  });
}

test('every SocketTask runtime refuses ws://, string protocols, unknown options and a sixth socket', async () => {
  for (const name of Object.keys(SPECS)) {
    const env = setup(name);
    try {
      const bad = [
        [{ url: 'ws://127.0.0.1:1/mqtt' }, /invalid url/],
        [{ url: 'wss://ok.example/mqtt', protocols: 'mqtt' }, /protocols should be Array of String/],
        [{ url: 'wss://ok.example/mqtt', headers: {} }, /unknown parameter headers/],
        [{ url: 42 }, /url should be String/],
      ];
      for (const [o, re] of bad) {
        const r = await connectResult(env.api, o);
        assert.strictEqual(r.ok, false, name + ' ' + JSON.stringify(o));
        assert.match(r.res.errMsg, re);
      }
      // No off* on tasks: none of these runtimes documents them.
      const r = await connectResult(env.api, { url: 'wss://ok.example/mqtt' });
      assert.strictEqual(typeof r.task.offMessage, 'undefined');
      const more = [];
      for (let i = 0; i < 5; i++) more.push(await connectResult(env.api, { url: 'wss://ok.example/mqtt' }));
      assert.strictEqual(more.filter((x) => !x.ok).length, 1, name + ': the sixth of six live sockets fails');
      assert.match(more.find((x) => !x.ok).res.errMsg, /exceed max task count/);
    } finally {
      env.close();
    }
  }
});

test('SocketTask.send takes a string or an ArrayBuffer only; close only 1000 or 3000-4999', async () => {
  const env = setup('tt');
  try {
    const { task } = await connectResult(env.api, { url: 'wss://ok.example/mqtt' });
    const sendFail = (data) => new Promise((resolve) => task.send({ data, fail: resolve, success: () => resolve(null) }));
    assert.match((await sendFail(new Uint8Array(2))).errMsg, /should be String or ArrayBuffer instead of Uint8Array/);
    const closeFail = (code) => new Promise((resolve) => task.close({ code, fail: resolve, success: () => resolve(null) }));
    assert.match((await closeFail(1006)).errMsg, /invalid code 1006/);
  } finally {
    env.close();
  }
});

test('DingTalk: connectSocket never returns a task, even with multiple: true (Alipay legacy API only)', () => {
  assert.ok(RUNTIME_NAMES.includes('dd'));
  const env = setup('dd');
  try {
    assert.strictEqual(env.api.connectSocket({ url: 'wss://127.0.0.1:1/mqtt', multiple: true, header: { 'Sec-WebSocket-Protocol': 'mqtt' } }), undefined);
    assert.strictEqual(typeof env.api.sendSocketMessage, 'function');
  } finally {
    env.close();
  }
});
