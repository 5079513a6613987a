'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { echoServer, makeApi, waitUntil } = require('./helpers');

const events = (t, kind) => Array.from(t.realm.context.ev).filter((e) => e[0] === kind).map((e) => Array.from(e));

const TASK = (extra) => `
  var ev = [];
  var task = my.connectSocket(Object.assign({ url: 'wss://example.com/mqtt', multiple: true,
    header: { 'Sec-WebSocket-Protocol': 'mqtt' } }, ${extra || '{}'}));
  task.onOpen(function () { ev.push(['open']); });
  task.onMessage(function (r) { ev.push(['message', JSON.stringify(r)]); });
  task.onClose(function (r) { ev.push(['close', r.code, r.reason]); });
  task.onError(function (r) { ev.push(['error', r.error, r.errorMessage]); });
`;

for (const shape of ['nested', 'flat']) {
  test(`my SocketTask (${shape} onMessage): base64 isBuffer in and out, text frames, header sub-protocol`, async () => {
    const srv = await echoServer({ requireMqtt: true });
    const t = makeApi('my', { url: srv.url, opts: { messageShape: shape } });
    try {
      t.run(TASK());
      await waitUntil(() => events(t, 'open').length);
      assert.strictEqual(srv.handshakes[0].headers['sec-websocket-protocol'], 'mqtt');
      t.run(`task.send({ data: 'EAwABE1RVFQ=', isBuffer: true }); task.send({ data: 'plain' });
             task.send({ data: new Uint8Array([7, 8]).buffer });`);
      await waitUntil(() => events(t, 'message').length === 3);
      assert.deepStrictEqual(srv.frames.map((f) => [f.binary, f.bytes.toString('hex')]), [
        [true, '100c00044d515454'],
        [false, Buffer.from('plain').toString('hex')],
        [true, '0708'],
      ]);
      const msgs = events(t, 'message').map((m) => JSON.parse(m[1]));
      const inner = shape === 'nested' ? msgs.map((m) => m.data) : msgs;
      assert.deepStrictEqual(inner, [
        { data: 'EAwABE1RVFQ=', isBuffer: true },
        { data: 'plain', isBuffer: false },
        { data: 'Bwg=', isBuffer: true },
      ]);
      t.run(`task.close({ code: 3001, reason: 'done' })`);
      await waitUntil(() => events(t, 'close').length);
      assert.deepStrictEqual(events(t, 'close')[0].slice(1), [3001, 'done']);
    } finally {
      t.device.dispose();
      await srv.stop();
    }
  });
}

test('my sockets: no Sec-WebSocket-Protocol -> error 8; ws:// -> error 20; string protocols ignored', async () => {
  const srv = await echoServer();
  const t = makeApi('my', { url: srv.url });
  try {
    t.run(`var ev = [];
      var a = my.connectSocket({ url: 'wss://example.com/', multiple: true, protocols: 'mqtt', fail: function (r) { ev.push(['fail', r.error]); } });
      a.onError(function (r) { ev.push(['error', r.error]); }); a.onClose(function (r) { ev.push(['close', r.code]); });
      my.connectSocket({ url: 'ws://example.com/', multiple: true, header: { 'sec-websocket-protocol': 'mqtt' }, fail: function (r) { ev.push(['fail', r.error]); } });
      var ok = my.connectSocket({ url: 'wss://example.com/', multiple: true, protocols: ['mqtt'] });
      ok.onOpen(function () { ev.push(['open']); });`);
    await waitUntil(() => events(t, 'fail').length === 2 && events(t, 'close').length && events(t, 'open').length);
    assert.deepStrictEqual(events(t, 'fail').map((e) => e[1]).sort(), [20, 8]);
    assert.deepStrictEqual(events(t, 'error')[0], ['error', 8]);
    assert.strictEqual(srv.handshakes.length, 1, 'only the protocols-array socket reached the server');
  } finally {
    t.device.dispose();
    await srv.stop();
  }
});

test('my legacy single socket: global handlers, sendSocketMessage isBuffer, closeSocket, replacement', async () => {
  const srv = await echoServer({ requireMqtt: true });
  const t = makeApi('my', { url: srv.url });
  try {
    t.run(`var ev = [];
      my.onSocketOpen(function () { ev.push(['open']); });
      my.onSocketMessage(function (r) { ev.push(['message', r.data, r.isBuffer]); });
      my.onSocketClose(function (r) { ev.push(['close', r.code]); });
      my.onSocketError(function (r) { ev.push(['error', r.error]); });
      var ret = my.connectSocket({ url: 'wss://example.com/first', header: { 'Sec-WebSocket-Protocol': 'mqtt' } });
      ev.push(['returned', typeof ret]);`);
    await waitUntil(() => events(t, 'open').length === 1);
    assert.deepStrictEqual(events(t, 'returned')[0], ['returned', 'undefined']);
    t.run(`my.sendSocketMessage({ data: 'AQID', isBuffer: true });
           my.sendSocketMessage({ data: new Uint8Array([1]).buffer, fail: function (r) { ev.push(['send-fail', r.error]); } });`);
    await waitUntil(() => events(t, 'message').length === 1 && events(t, 'send-fail').length === 1);
    assert.deepStrictEqual(events(t, 'message')[0], ['message', 'AQID', true]);
    assert.deepStrictEqual([...srv.frames[0].bytes], [1, 2, 3]);
    // a second connect replaces the first: the first one's close is not reported
    t.run(`my.connectSocket({ url: 'wss://example.com/second', header: { 'Sec-WebSocket-Protocol': 'mqtt' } });`);
    await waitUntil(() => events(t, 'open').length === 2);
    await waitUntil(() => srv.clients.size === 1);
    assert.strictEqual(events(t, 'close').length, 0);
    t.run(`my.sendSocketMessage({ data: 'text' });`);
    await waitUntil(() => events(t, 'message').length === 2);
    assert.deepStrictEqual(events(t, 'message')[1], ['message', 'text', false]);
    t.run(`my.closeSocket();`);
    await waitUntil(() => events(t, 'close').length === 1);
    assert.deepStrictEqual(events(t, 'close')[0], ['close', 1000]);
    t.run(`my.closeSocket({ fail: function (r) { ev.push(['close-fail', r.error]); } });`);
    await waitUntil(() => events(t, 'close-fail').length === 1);
  } finally {
    t.device.dispose();
    await srv.stop();
  }
});

test('my legacy second connect fails with error 3 on Android clients', async () => {
  const srv = await echoServer();
  const t = makeApi('my', { url: srv.url, opts: { legacySecondConnect: 'error3' } });
  try {
    t.run(`var ev = []; my.onSocketOpen(function () { ev.push(['open']); });
      my.connectSocket({ url: 'wss://example.com/', header: { 'Sec-WebSocket-Protocol': 'mqtt' } });
      my.connectSocket({ url: 'wss://example.com/', header: { 'Sec-WebSocket-Protocol': 'mqtt' }, fail: function (r) { ev.push(['fail', r.error]); } });`);
    await waitUntil(() => events(t, 'open').length === 1 && events(t, 'fail').length === 1);
    assert.deepStrictEqual(events(t, 'fail')[0], ['fail', 3]);
  } finally {
    t.device.dispose();
    await srv.stop();
  }
});

test('my.request: headers/status, JSON body, non-2xx is error 19', async () => {
  const http = require('http');
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(req.url === '/bad' ? 401 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 200, body: { access_token: 'tok' } }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { Device } = require('../../emulation/device');
  const t = makeApi('my', { device: new Device({ requestRewrite: { 'https://api.example.com': `http://127.0.0.1:${server.address().port}` } }) });
  try {
    t.run(`var out = {};
      my.request({ url: 'https://api.example.com/ok', method: 'POST', data: { a: 1 }, headers: { 'content-type': 'application/json' }, dataType: 'json',
        success: function (r) { out.ok = r; } });
      my.request({ url: 'https://api.example.com/form', method: 'POST', data: { a: 1, b: 'x y' }, success: function (r) { out.form = r; } });
      my.request({ url: 'https://api.example.com/bad', method: 'POST', fail: function (r) { out.bad = r; } });`);
    await waitUntil(() => t.realm.context.out.ok && t.realm.context.out.form && t.realm.context.out.bad);
    const out = t.realm.context.out;
    assert.strictEqual(out.ok.status, 200);
    assert.strictEqual(out.ok.data.body.access_token, 'tok');
    assert.strictEqual(out.ok.headers['content-type'], 'application/json');
    assert.strictEqual(out.bad.error, 19);
    assert.strictEqual(out.bad.status, 401);
    const bodies = seen.map((s) => s.body).sort();
    assert.deepStrictEqual(bodies, ['', 'a=1&b=x%20y', '{"a":1}']);
  } finally {
    server.close();
  }
});

test('my: WebAssembly present or absent by option; other globals absent', () => {
  const withW = makeApi('my', { webAssembly: true });
  assert.strictEqual(withW.run('typeof WebAssembly'), 'object');
  const without = makeApi('my', { webAssembly: false });
  assert.strictEqual(without.run('typeof WebAssembly'), 'undefined');
  assert.strictEqual(without.run('typeof TextDecoder + typeof globalThis + typeof BigInt + typeof URL'), 'undefinedundefinedundefinedundefined');
});
