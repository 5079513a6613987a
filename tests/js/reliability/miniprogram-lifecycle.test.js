'use strict';
// The mini-program lifecycle in the emulated WeChat and Alipay runtimes (tests/emulation) with
// the shipped bundle, connections counted at a loopback proxy in front of Mosquitto:
// app hidden (sockets closed 1000 "interrupted"), shown again, network lost and regained.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, sleep, waitFor } = require('../../reliability/harness');
const { startProxy } = require('../../reliability/proxy');
const { runRecordingPage } = require('../../reliability/miniapp');
const { startMosquitto } = require('../../support/mosquitto');

const skip = skipUnless({ mosquitto: true });
let broker;
test.before(async () => {
  if (!skip) broker = await startMosquitto();
});
test.after(async () => {
  if (broker) await broker.stop();
});

const PAGE_URL = { wx: 'wxs://broker.test/mqtt', my: 'alis://broker.test/mqtt' };

for (const platform of ['wx', 'my']) {
  test(`${platform}: hidden -> interrupted, no attempts while hidden, shown -> reconnect at once; network lost/regained likewise`, { skip, timeout: 40000 }, async (t) => {
    const proxy = await startProxy({ targetPort: broker.wsPort });
    // reconnectPeriod 4 s: a reconnect well under that after show/online is the lifecycle hook, not the timer.
    const page = await runRecordingPage(platform, {
      url: PAGE_URL[platform],
      opts: { clientId: `rel-life-${platform}`, reconnectPeriod: 4000, keepalive: 30 },
      rewrite: { 'wss://broker.test': proxy.url },
      hideCloseDelay: 300,
    });
    let maxLive = 0;
    const sampler = setInterval(() => {
      maxLive = Math.max(maxLive, page.device.live.size);
    }, 5);
    try {
      await page.waitFor(() => page.events('connect').length === 1, { what: 'first connect' });
      const report = {};

      // --- app hidden, then shown after 2 s
      page.hide();
      await waitFor(() => page.sockets.some((s) => s.closeInfo && s.closeInfo.reason === 'interrupted'), 3000, 'socket interrupted');
      const interrupted = page.sockets.find((s) => s.closeInfo && s.closeInfo.reason === 'interrupted').closeInfo;
      const attemptsBefore = proxy.accepted;
      const socketsBefore = page.sockets.length;
      await sleep(2000);
      report.attemptsWhileHidden = proxy.accepted - attemptsBefore;
      report.socketsOpenedWhileHidden = page.sockets.length - socketsBefore;
      const shownAt = Date.now();
      page.show();
      await page.waitFor(() => page.events('connect').length === 2, { what: 'reconnect after show', timeout: 3000 });
      report.reconnectAfterShowMs = page.events('connect')[1].at - shownAt;

      // --- network lost for 2 s, then back
      const attemptsBeforeOffline = proxy.accepted;
      const socketsBeforeOffline = page.sockets.length;
      page.setOnline(false);
      await page.waitFor(() => page.events('close').length >= 2, { what: 'close on network loss', timeout: 3000 });
      await sleep(2000);
      report.attemptsWhileOffline = proxy.accepted - attemptsBeforeOffline;
      report.socketsOpenedWhileOffline = page.sockets.length - socketsBeforeOffline;
      const onlineAt = Date.now();
      page.setOnline(true);
      await page.waitFor(() => page.events('connect').length === 3, { what: 'reconnect after network', timeout: 3000 });
      report.reconnectAfterOnlineMs = page.events('connect')[2].at - onlineAt;

      await sleep(300);
      report.maxSocketsAtOnce = maxLive;
      report.maxBrokerConnectionsAtOnce = proxy.stats.maxOpen;
      report.totalConnections = proxy.accepted;
      report.interrupted = interrupted;
      report.errors = page.events('error').map((e) => e.code + ': ' + e.message);
      t.diagnostic(JSON.stringify(report));

      assert.deepStrictEqual(interrupted, { code: 1000, reason: 'interrupted' });
      assert.strictEqual(report.attemptsWhileHidden, 0, 'no connection attempts while hidden');
      assert.ok(report.socketsOpenedWhileHidden <= 1, 'at most one doomed socket while hidden');
      assert.ok(report.reconnectAfterShowMs < 1500, `reconnect at once on show (${report.reconnectAfterShowMs} ms, reconnectPeriod 4000)`);
      assert.strictEqual(report.attemptsWhileOffline, 0, 'no connection attempts while offline');
      assert.ok(report.socketsOpenedWhileOffline <= 1, 'at most one doomed socket while offline');
      assert.ok(report.reconnectAfterOnlineMs < 1500, `reconnect at once when back online (${report.reconnectAfterOnlineMs} ms)`);
      assert.strictEqual(maxLive, 1, 'never two sockets at once on the phone');
      assert.strictEqual(proxy.stats.maxOpen, 1, 'never two connections at once at the broker');
      assert.strictEqual(proxy.accepted, 3, 'one connection per phase');
      assert.strictEqual(proxy.open, 1);
    } finally {
      clearInterval(sampler);
      page.close();
      await proxy.stop();
    }
  });
}

for (const platform of ['wx', 'my']) {
  test(`${platform}: app hidden/shown and network lost/regained 4 times each, soon after connecting: one socket at a time, no storm, still connected`, {
    skip,
    timeout: 30000,
  }, async (t) => {
    const proxy = await startProxy({ targetPort: broker.wsPort });
    const page = await runRecordingPage(platform, {
      url: PAGE_URL[platform],
      opts: { clientId: `rel-flap-${platform}`, reconnectPeriod: 4000, keepalive: 30 },
      rewrite: { 'wss://broker.test': proxy.url },
      hideCloseDelay: 30,
    });
    let maxLive = 0;
    const sampler = setInterval(() => {
      maxLive = Math.max(maxLive, page.device.live.size);
    }, 5);
    try {
      await page.waitFor(() => page.events('connect').length === 1, { what: 'first connect' });
      // Each close comes soon after a CONNACK, as when a user flicks between apps on a bad network.
      const connected = (n) => page.waitFor(() => page.events('connect').length >= n, { what: `connect #${n}`, timeout: 3000 });
      let n = 1;
      for (let i = 0; i < 4; i++) {
        page.hide();
        await sleep(80); // past hideCloseDelay: the socket is interrupted
        page.show();
        await connected(++n);
        page.setOnline(false);
        await sleep(50);
        page.setOnline(true);
        await connected(++n);
      }
      await sleep(1000);
      const report = {
        totalConnections: proxy.accepted,
        maxSocketsAtOnce: maxLive,
        maxBrokerConnectionsAtOnce: proxy.stats.maxOpen,
        connected: page.page.client.connected,
        errors: page.events('error').map((e) => e.code),
      };
      t.diagnostic(JSON.stringify(report));
      assert.strictEqual(maxLive, 1, 'never two sockets at once on the phone');
      assert.strictEqual(proxy.stats.maxOpen, 1, 'never two connections at once at the broker');
      assert.strictEqual(proxy.accepted, 9, 'one connection per show/online');
      assert.deepStrictEqual(report.errors.filter((c) => c === 'client_id_taken'), [], 'lifecycle closes are not "client id taken"');
      assert.strictEqual(page.page.client.connected, true, 'connected at the end');
    } finally {
      clearInterval(sampler);
      page.close();
      await proxy.stop();
    }
  });
}

test('wx: a ws:// or wx:// URL (WeChat allows only wss) gives an error that says to use wss/wxs, and retries stay paced', { skip, timeout: 15000 }, async (t) => {
  const page = await runRecordingPage('wx', {
    url: 'wx://broker.test/mqtt',
    opts: { clientId: 'rel-life-ws', reconnectPeriod: 200 },
    rewrite: { 'ws://broker.test': broker.wsUrl },
  });
  try {
    await sleep(1500);
    const errors = page.events('error');
    const attempts = page.events('close').length;
    t.diagnostic(JSON.stringify({ attempts, errors: errors.map((e) => e.message), events: page.events().map((e) => e.name).join(',') }));
    assert.ok(errors.length >= 1, 'an error event');
    assert.match(errors[0].message, /wss|wxs/, 'naming the fix');
    // Retrying stays at reconnectPeriod (devtools with domain checks off do accept ws://, so
    // the library keeps trying and says why each attempt failed): no storm beyond the period.
    assert.ok(attempts <= Math.ceil(1500 / 200) + 1, `attempts paced by reconnectPeriod (${attempts} in 1.5 s)`);
    assert.ok(errors.every((e) => /wss/.test(e.message)), 'every failure names wss');
  } finally {
    page.close();
  }
});
