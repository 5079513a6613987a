'use strict';
/**
 * end(true) from a publish callback while the acknowledgements of other publishes came in the
 * same WebSocket message (docs/decisions.md "Acknowledgements after end(true)", docs/compat.md),
 * run by the one-platform builds in emulated pages (tests/emulation) against a scripted broker
 * on 127.0.0.1 that completes N of N + 1 publishes in one message:
 *
 * - the WeChat page (dist/wx, built with `MPMQTT_HELD_ACKS` false) calls the other N - 1
 *   callbacks at once, right after end(true) returns and before the reconnection's `connect`,
 *   as MQTT.js 5.16 does;
 * - the Alipay page (dist/my, holding them) calls them right after the reconnection's
 *   `connect`, in order.
 *
 * Both: each callback once and without error, and the second connection is sent only the
 * publish the broker never answered (and its PUBREL), with the client's own session or the
 * page's `outgoingStore` handed to reconnect(), on a clean or a kept session (`clean: false`,
 * the CONNACK of the reconnection says sessionPresent). tests/js/compat/forced-end.test.js
 * runs the universal build beside MQTT.js.
 *
 * MPMQTT_DIST (a folder laid out as dist/) runs the pages on another build, e.g. one bundled
 * with the flag the other way round: every assertion on the order then fails.
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { runPage } = require('../../emulation/runner');
const { onePageProject, originRewrite, REPO } = require('../../support/page');
const { startFakeBroker } = require('../../reliability/fake-broker');
const { oneMessageBroker, published } = require('../../support/one-message-acks');

const DIST = process.env.MPMQTT_DIST ? path.resolve(process.env.MPMQTT_DIST) : path.join(REPO, 'dist');
const PAGE_URL = 'wxs://broker.example.com/mqtt';
const SHIPPED = { wx: ['wx/mqtt.min.js', 'wx/mqtt.wasm.br'], my: ['my/mqtt.min.js', 'my/mqtt.wasm.js'] };
const missing = Object.values(SHIPPED).flat().filter((f) => !fs.existsSync(path.join(DIST, f)));
const skip = missing.length ? `${DIST} lacks ${missing.join(', ')}: build it (scripts/build-wasm && node scripts/bundle.js)` : false;

/**
 * Publishes N + 1 messages once connected; the first callback ends the client by force and,
 * from end()'s callback, reconnects. `log` records the page's view in order.
 */
const PAGE = `var mqtt = require('../../utils/mqtt.min.js');
Page({
  onLoad: function () { this.log = []; this.errors = []; },
  run: function (count, qos, pageStore, resumed) {
    var log = this.log, errors = this.errors, published = false;
    // clean: false keeps its messages through end(), as MQTT.js' Store, for reconnect({outgoingStore}).
    var store = pageStore ? new mqtt.Store({ clean: false }) : undefined;
    var c = mqtt.connect('${PAGE_URL}', { reconnectPeriod: 1000, outgoingStore: store, clean: !resumed, clientId: 'forced-end-page' });
    this.c = c;
    c.on('error', function (e) { errors.push(String(e && e.message)); });
    c.on('end', function () { log.push('end'); });
    c.on('connect', function () {
      log.push('connect');
      if (published) return;
      published = true;
      for (var i = 0; i <= count; i++) (function (i) {
        c.publish('t', 'm' + i, { qos: qos }, function (err) {
          log.push((err ? 'error ' : 'done ') + i);
          if (i !== 0) return;
          c.end(true, function () { c.reconnect(store ? { outgoingStore: store } : undefined); });
          log.push('end(true) returned');
        });
      })(i);
    });
  },
  onUnload: function () { if (this.c) this.c.end(true); }
});
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The payloads of the first connection's PUBLISHes whose ids `later` was sent a PUBREL for. */
function released(first, later) {
  const payloadOf = new Map(first.received.filter((p) => p.cmd === 'publish').map((p) => [p.messageId, p.payload.toString()]));
  return later ? later.received.filter((p) => p.cmd === 'pubrel').map((p) => payloadOf.get(p.messageId)) : [];
}
const done = (from, to) => Array.from({ length: to - from }, (_, k) => 'done ' + (from + k));

/** Runs the page once on `platform`'s build; returns its log, errors and what each connection was sent. */
async function forcedEndInPage(platform, count, qos, { pageStore, resumed }) {
  const broker = await startFakeBroker({ onConnection: oneMessageBroker(count, qos, { resumed }) });
  let page = null;
  try {
    const { dir, copied } = onePageProject(platform, PAGE, 'mpmqtt-forced-end', DIST);
    assert.deepStrictEqual(copied.filter((f) => /^mqtt\.(min\.js|wasm)/.test(f)).sort(), SHIPPED[platform].map((f) => path.basename(f)).sort());
    page = await runPage(dir, 'pages/index/index', { rewrite: originRewrite(PAGE_URL, broker.url), hideCloseDelay: 300 });
    page.call('run', count, qos, pageStore, resumed);
    const log = () => Array.from(page.page.log);
    await page.waitFor(() => log().includes('done ' + count), { timeout: 10000, what: `the callback of m${count}, answered on the second connection` });
    // Long enough for a callback called twice, or a resend, to show.
    await sleep(300);
    return {
      log: log(),
      errors: Array.from(page.page.errors),
      connections: broker.connections.length,
      firstSent: published(broker.connections[0]),
      resent: published(broker.connections[1]),
      releasedAgain: released(broker.connections[0], broker.connections[1]),
    };
  } finally {
    if (page) page.close();
    await broker.stop();
  }
}

/** The page's log for N completed in one message: `held` when the build holds the others. */
function expectedLog(count, held) {
  const atOnce = held ? [] : done(1, count);
  const afterConnect = held ? done(1, count + 1) : done(count, count + 1);
  return ['connect', 'done 0', 'end(true) returned', ...atOnce, 'end', 'connect', ...afterConnect];
}

for (const [platform, held, what] of [
  ['wx', false, 'WeChat page (dist/wx): the other callbacks at once, right after end(true), before the reconnection'],
  ['my', true, 'Alipay page (dist/my): the other callbacks after the reconnection\'s connect'],
]) {
  for (const qos of [1, 2]) {
    test(`${what}; QoS ${qos}, N = 2, 3 completed in one socket message, with and without the page's outgoingStore and a kept session; each once, nothing acknowledged resent`, { skip, timeout: 60000 }, async () => {
      for (const count of [2, 3]) {
        for (const [pageStore, resumed] of [[false, false], [true, false], [false, true], [true, true]]) {
          const label = `${platform}, QoS ${qos}, N = ${count}${pageStore ? ', outgoingStore' : ''}${resumed ? ', session kept' : ''}`;
          const result = await forcedEndInPage(platform, count, qos, { pageStore, resumed });
          assert.deepStrictEqual(result.firstSent, Array.from({ length: count + 1 }, (_, i) => 'm' + i), label + ': the first connection');
          assert.strictEqual(result.connections, 2, label);
          // Only the message the broker never answered goes out again; a completed QoS 2
          // message kept by mistake would go out as a PUBREL (on a kept session).
          assert.deepStrictEqual(result.resent, ['m' + count], label + ': sent again on the second connection');
          assert.deepStrictEqual(result.releasedAgain, qos === 2 ? ['m' + count] : [], label + ': PUBRELs on the second connection');
          assert.deepStrictEqual(result.errors, [], label + ': error events');
          // Every callback once, none with an error, in the build's order.
          assert.deepStrictEqual(result.log, expectedLog(count, held), label + ': the page\'s log');
        }
      }
    });
  }
}
