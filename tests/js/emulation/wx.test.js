'use strict';
const test = require('node:test');
const assert = require('node:assert');
const zlib = require('zlib');
const { ADD_WASM, tempProject, echoServer, makeApi, waitUntil } = require('./helpers');

const OPEN_SOCKET = `
  var ev = [];
  var task = wx.connectSocket({ url: 'wss://example.com/mqtt', protocols: ['mqtt'], header: { 'X-Test': 'yes' } });
  task.onOpen(function (r) { ev.push(['open']); });
  task.onMessage(function (r) { ev.push(['message', r.data, r.data instanceof ArrayBuffer, typeof r.data]); });
  task.onClose(function (r) { ev.push(['close', r.code, r.reason]); });
  task.onError(function (r) { ev.push(['error', r.errMsg]); });
`;
const events = (t, kind) => Array.from(t.realm.context.ev).filter((e) => e[0] === kind).map((e) => Array.from(e));

test('wx socket: protocols and headers reach the handshake, text and ArrayBuffer frames round-trip', async () => {
  const srv = await echoServer({ requireMqtt: true });
  const t = makeApi('wx', { url: srv.url });
  try {
    t.run(OPEN_SOCKET);
    await waitUntil(() => events(t, 'open').length);
    assert.strictEqual(srv.handshakes[0].url, '/mqtt');
    assert.strictEqual(srv.handshakes[0].headers['sec-websocket-protocol'], 'mqtt');
    assert.strictEqual(srv.handshakes[0].headers['x-test'], 'yes');
    t.run(`task.send({ data: 'hi', success: function () { ev.push(['sent-text']); } });
           var u = new Uint8Array([1, 2, 3, 250]);
           task.send({ data: u.buffer, success: function () { ev.push(['sent-bin']); } });`);
    await waitUntil(() => events(t, 'message').length === 2);
    assert.deepStrictEqual(srv.frames.map((f) => [f.binary, [...f.bytes]]), [[false, [104, 105]], [true, [1, 2, 3, 250]]]);
    const [text, bin] = events(t, 'message');
    assert.deepStrictEqual([text[1], text[3]], ['hi', 'string']);
    assert.strictEqual(bin[2], true, 'binary frames arrive as the page realm ArrayBuffer');
    assert.deepStrictEqual([...new Uint8Array(bin[1])], [1, 2, 3, 250]);
    assert.strictEqual(events(t, 'sent-text').length + events(t, 'sent-bin').length, 2);
  } finally {
    t.device.dispose();
    await srv.stop();
  }
});

test('wx socket: Uint8Array and unconnected sends fail, close code rules, close twice fails', async () => {
  const srv = await echoServer();
  const t = makeApi('wx', { url: srv.url });
  try {
    t.run(OPEN_SOCKET + `
      task.send({ data: 'early', fail: function (r) { ev.push(['send-fail', r.errMsg]); } });`);
    await waitUntil(() => events(t, 'open').length && events(t, 'send-fail').length);
    assert.match(events(t, 'send-fail')[0][1], /sendSocketMessage:fail WebSocket is not connected/);
    t.run(`task.send({ data: new Uint8Array([1]), fail: function (r) { ev.push(['send-fail', r.errMsg]); } });
           task.close({ code: 1001, fail: function (r) { ev.push(['close-fail', r.errMsg]); } });`);
    await waitUntil(() => events(t, 'send-fail').length === 2 && events(t, 'close-fail').length === 1);
    assert.match(events(t, 'send-fail')[1][1], /should be String or ArrayBuffer instead of Uint8Array/);
    t.run(`task.close({ code: 4000, reason: 'bye', success: function () { ev.push(['closed-ok']); } });`);
    await waitUntil(() => events(t, 'close').length);
    assert.deepStrictEqual(events(t, 'close')[0].slice(1), [4000, 'bye']);
    t.run(`task.close({ fail: function (r) { ev.push(['close-fail', r.errMsg]); } });`);
    await waitUntil(() => events(t, 'close-fail').length === 2);
    assert.match(events(t, 'close-fail')[1][1], /closeSocket:fail WebSocket is not connected/);
    assert.strictEqual(events(t, 'error').length, 0);
  } finally {
    t.device.dispose();
    await srv.stop();
  }
});

test('wx socket: a server close reports its code and reason', async () => {
  const srv = await echoServer();
  const t = makeApi('wx', { url: srv.url });
  try {
    t.run(OPEN_SOCKET);
    await waitUntil(() => events(t, 'open').length);
    t.run(`task.send({ data: 'close-me' })`);
    await waitUntil(() => events(t, 'close').length);
    assert.deepStrictEqual(events(t, 'close')[0].slice(1), [4001, 'server says bye']);
  } finally {
    t.device.dispose();
    await srv.stop();
  }
});

test('wx socket: wss only, at most 5 at once, refused handshake gives error then close', async () => {
  const srv = await echoServer({ requireMqtt: true });
  const t = makeApi('wx', { url: srv.url });
  try {
    t.run(`var ev = []; var tasks = [];
      wx.connectSocket({ url: 'ws://example.com', fail: function (r) { ev.push(['fail', r.errMsg]); } });
      for (var i = 0; i < 6; i++) (function (i) {
        var k = wx.connectSocket({ url: 'wss://example.com/', protocols: ['mqtt'], fail: function (r) { ev.push(['fail', i, r.errMsg]); } });
        k.onOpen(function () { ev.push(['open', i]); });
        tasks.push(k);
      })(i);
      var bad = wx.connectSocket({ url: 'wss://example.com/' });
      bad.onError(function (r) { ev.push(['bad-error', r.errMsg]); });
      bad.onClose(function (r) { ev.push(['bad-close', r.code]); });`);
    await waitUntil(() => events(t, 'open').length === 5 && events(t, 'fail').length === 2);
    const fails = events(t, 'fail');
    assert.match(fails[0][1], /connectSocket:fail invalid url "ws:\/\/example.com"/);
    assert.deepStrictEqual(fails[1].slice(1), [5, 'connectSocket:fail exceed max task count']);
    // the 7th is over the limit too
    await waitUntil(() => events(t, 'bad-close').length);
    // free one slot: a new socket without the mqtt sub-protocol is refused by the server
    t.run(`tasks[0].close({}); tasks[0].onClose(function () {
      var b = wx.connectSocket({ url: 'wss://example.com/' });
      b.onError(function (r) { ev.push(['refused-error', r.errMsg]); });
      b.onClose(function (r) { ev.push(['refused-close', r.code]); });
    });`);
    await waitUntil(() => events(t, 'refused-close').length);
    assert.match(events(t, 'refused-error')[0][1], /400/);
    assert.strictEqual(events(t, 'refused-close')[0][1], 1006);
  } finally {
    t.device.dispose();
    await srv.stop();
  }
});

test('wx page context lacks browser/Node globals and WebAssembly', () => {
  const t = makeApi('wx');
  const missing = t.run(`['WebAssembly','TextEncoder','TextDecoder','URL','AbortController','globalThis','queueMicrotask','BigInt','Buffer','fetch','process','window']
    .filter(function (n) { return eval('typeof ' + n) !== 'undefined'; })`);
  assert.deepStrictEqual([...missing], []);
  assert.strictEqual(t.run('typeof setTimeout(function () {}, 0)'), 'number');
  assert.strictEqual(t.run('typeof WXWebAssembly.instantiate'), 'function');
});

test('WXWebAssembly.instantiate takes only package paths (.wasm, .wasm.br)', async () => {
  const root = tempProject({ 'utils/add.wasm': ADD_WASM, 'utils/add.wasm.br': zlib.brotliCompressSync(ADD_WASM) });
  const t = makeApi('wx', { root });
  const r1 = await t.run(`WXWebAssembly.instantiate('/utils/add.wasm', {})`);
  assert.strictEqual(r1.instance.exports.add(2, 3), 5);
  const r2 = await t.run(`WXWebAssembly.instantiate('utils/add.wasm.br', {})`);
  assert.strictEqual(r2.instance.exports.add(40, 2), 42);
  for (const [arg, re] of [
    [`new Uint8Array([0,97,115,109,1,0,0,0]).buffer`, /path should be a string/],
    [`'https://example.com/add.wasm'`, /not found/],
    [`'/utils/missing.wasm'`, /not found/],
    [`'../../etc/passwd.wasm'`, /not found/],
    [`'/utils/add.js'`, /not a \.wasm/],
  ]) {
    const err = await t.run(`WXWebAssembly.instantiate(${arg}, {}).then(function () { return null; }, function (e) { return e; })`);
    assert.ok(err, `${arg} must be rejected`);
    assert.match(err.message, re);
    assert.ok(t.run('(function (e) { return e instanceof Error; })')(err), 'rejection is a page-realm Error');
  }
  const t2 = makeApi('wx', { root, opts: { wasmResult: 'instance' } });
  const inst = await t2.run(`WXWebAssembly.instantiate('/utils/add.wasm', {})`);
  assert.strictEqual(inst.exports.add(1, 1), 2);
});

test('wx.request uses header and answers {statusCode, header, data}', async () => {
  const http = require('http');
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(418, { 'content-type': 'application/json', 'x-reply': 'r' });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { Device } = require('../../emulation/device');
  const device = new Device({ requestRewrite: { 'https://api.example.com': `http://127.0.0.1:${server.address().port}` } });
  const t = makeApi('wx', { device });
  try {
    t.run(`var res; wx.request({ url: 'https://api.example.com/x', method: 'POST', data: { a: 1 }, header: { Authorization: 'tok' },
      success: function (r) { res = r; } });`);
    await waitUntil(() => t.realm.context.res);
    const res = t.realm.context.res;
    assert.strictEqual(res.statusCode, 418);
    assert.strictEqual(res.header['x-reply'], 'r');
    assert.strictEqual(res.data.ok, true);
    assert.strictEqual(seen[0].headers.authorization, 'tok');
    assert.strictEqual(seen[0].body, '{"a":1}');
    t.run(`var f; wx.request({ url: 'http://api.example.com/x', fail: function (r) { f = r; } });`);
    await waitUntil(() => t.realm.context.f);
    assert.match(t.realm.context.f.errMsg, /^request:fail/);
  } finally {
    server.close();
  }
});
