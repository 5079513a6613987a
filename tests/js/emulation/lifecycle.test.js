'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { echoServer, makeApi, waitUntil, sleep } = require('./helpers');

const events = (t, kind) => Array.from(t.realm.context.ev).filter((e) => e[0] === kind).map((e) => Array.from(e));

for (const platform of ['wx', 'my']) {
  const api = platform;
  const connect = platform === 'wx'
    ? `function connect(tag) { var k = wx.connectSocket({ url: 'wss://example.com/', protocols: ['mqtt'] });
         k.onOpen(function () { ev.push(['open', tag]); }); k.onClose(function (r) { ev.push(['close', tag, r.code, r.reason]); });
         k.onError(function () { ev.push(['error', tag]); }); return k; }`
    : `function connect(tag) { var k = my.connectSocket({ url: 'wss://example.com/', multiple: true, header: { 'Sec-WebSocket-Protocol': 'mqtt' } });
         k.onOpen(function () { ev.push(['open', tag]); }); k.onClose(function (r) { ev.push(['close', tag, r.code, r.reason]); });
         k.onError(function () { ev.push(['error', tag]); }); return k; }`;

  test(`${platform}: hidden app -> sockets closed 1000 "interrupted" after the delay; show restores`, async () => {
    const srv = await echoServer();
    const t = makeApi(platform, { url: srv.url });
    try {
      t.run(`var ev = []; ${connect}
        ${api}.onAppHide(function () { ev.push(['hide']); });
        ${api}.onAppShow(function () { ev.push(['show']); });
        connect('a');`);
      await waitUntil(() => events(t, 'open').length === 1);
      t.device.hide();
      assert.strictEqual(events(t, 'hide').length, 1, 'onAppHide fires at once');
      await sleep(20);
      assert.strictEqual(events(t, 'close').length, 0, 'still open before the delay (50 ms)');
      await waitUntil(() => events(t, 'close').length === 1);
      assert.deepStrictEqual(events(t, 'close')[0], ['close', 'a', 1000, 'interrupted']);
      assert.strictEqual(events(t, 'error').length, 0);
      await waitUntil(() => srv.clients.size === 0);
      t.run(`connect('while-hidden')`);
      await waitUntil(() => events(t, 'close').length === 2);
      assert.deepStrictEqual(events(t, 'error').map((e) => e[1]), ['while-hidden']);
      t.device.show();
      assert.strictEqual(events(t, 'show').length, 1);
      t.run(`connect('b')`);
      await waitUntil(() => events(t, 'open').length === 2);
    } finally {
      t.device.dispose();
      await srv.stop();
    }
  });

  test(`${platform}: network loss fails sockets (error, close 1006) and fires onNetworkStatusChange`, async () => {
    const srv = await echoServer();
    const t = makeApi(platform, { url: srv.url });
    try {
      t.run(`var ev = []; ${connect}
        ${api}.onNetworkStatusChange(function (r) { ev.push(['net', r.isConnected, r.networkType]); });
        connect('a');`);
      await waitUntil(() => events(t, 'open').length === 1);
      t.device.setOnline(false);
      await waitUntil(() => events(t, 'close').length === 1 && events(t, 'net').length === 1);
      assert.deepStrictEqual(events(t, 'close')[0].slice(0, 3), ['close', 'a', 1006]);
      assert.deepStrictEqual(events(t, 'error').map((e) => e[1]), ['a']);
      assert.deepStrictEqual(events(t, 'net')[0], ['net', false, platform === 'wx' ? 'none' : 'NOTREACHABLE']);
      t.run(`connect('offline')`);
      await waitUntil(() => events(t, 'close').length === 2);
      t.device.setOnline(true);
      await waitUntil(() => events(t, 'net').length === 2);
      assert.deepStrictEqual(events(t, 'net')[1], ['net', true, platform === 'wx' ? 'wifi' : 'WIFI']);
      t.run(`connect('b')`);
      await waitUntil(() => events(t, 'open').length === 2);
    } finally {
      t.device.dispose();
      await srv.stop();
    }
  });
}

test('rewrite misses fail fast instead of leaving the loopback', async () => {
  const t = makeApi('wx');
  t.run(`var ev = []; var k = wx.connectSocket({ url: 'wss://unmapped.example.org/' });
    k.onError(function (r) { ev.push(['error', r.errMsg]); }); k.onClose(function (r) { ev.push(['close', r.code]); });`);
  await waitUntil(() => events(t, 'close').length === 1);
  assert.match(events(t, 'error')[0][1], /not a loopback URL/);
});
