'use strict';
// Issue 19: a page-like publisher (clean=false, QoS 1 + QoS 2, 200 msg/s; 400 msg/s in the
// outage) against Mosquitto with its default settings (max_inflight_messages 20) and with
// `max_inflight_messages 0` (no limit), through the fault proxy: broker restart, dropped
// link, half-open link, outage. Each must end with nothing lost, no QoS 2 duplicate, every
// callback once and without error; the half-open link must be noticed within 2 keepalives
// although the page never stops publishing. REPORT=1 prints the table rows.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, loadMqtt, sleep, waitFor } = require('../../reliability/harness');
const { startProxy } = require('../../reliability/proxy');
const { startMosquitto } = require('../../support/mosquitto');
const { runFaultScenario } = require('../../reliability/fault-scenario');

const skip = skipUnless({ mosquitto: true });

const FAULTS = {
  restart: {
    run: async ({ broker }) => broker.restart(),
  },
  drop: {
    run: async ({ proxy }) => proxy.dropAll(),
  },
  'half-open': {
    // The link forwards nothing and closes nothing; it heals a moment after the client gave up on it.
    run: async ({ proxy, events, faultAt, keepalive }) => {
      proxy.setMode('blackhole');
      await waitFor(() => events.some((e) => e.name === 'close' && e.at >= faultAt), keepalive * 3000, 'the publisher noticing').catch(() => {});
      await sleep(1000);
      proxy.setMode('pass');
    },
  },
  outage: {
    perTick: 2,
    run: async ({ proxy }) => {
      proxy.setMode('refuse');
      proxy.dropAll();
      await sleep(6000);
      proxy.setMode('pass');
    },
  },
};

for (const [config, extraConfig] of [
  ['default', ''],
  ['max_inflight_messages 0', 'max_inflight_messages 0'],
]) {
  for (const [name, fault] of Object.entries(FAULTS)) {
    test(`Mosquitto ${config}: ${name} under a QoS 1 + 2 stream loses nothing, QoS 2 never twice, every callback once`, { skip, timeout: 60000 }, async (t) => {
      const broker = await startMosquitto({ persistence: true, extraConfig });
      const proxy = await startProxy({ targetPort: broker.wsPort });
      try {
        const r = await runFaultScenario({ mqtt: loadMqtt(), broker, proxy, fault: fault.run, perTick: fault.perTick });
        const row = Object.assign({ config, fault: name }, r, { streams: undefined });
        t.diagnostic(JSON.stringify(row));
        if (process.env.REPORT) console.log('ROW ' + JSON.stringify(row));
        assert.ok(r.sent > 500, `a steady stream was sent (${r.sent})`);
        assert.strictEqual(r.lost, 0, `lost ${r.lost} of ${r.sent}`);
        assert.strictEqual(r.duplicatedQos2, 0, 'QoS 2 delivered twice');
        assert.strictEqual(r.callbacksMissing, 0, 'publish callbacks that never fired');
        assert.strictEqual(r.callbacksExtra, 0, 'publish callbacks that fired twice');
        assert.strictEqual(r.callbackErrors, 0, `publish callbacks with an error: ${JSON.stringify(r.errors)}`);
        assert.ok(!r.errors.some((e) => /client_id_taken/.test(e)), `no takeover inferred: ${JSON.stringify(r.errors)}`);
        assert.ok(r.detectMs !== null && r.recoverMs !== null, 'the fault was noticed and the client came back');
        if (name === 'half-open') assert.ok(r.detectMs < 2 * 2000, `half-open link noticed after ${r.detectMs} ms (keepalive 2 s)`);
        assert.strictEqual(broker.forcedKills, 0, 'Mosquitto needed SIGKILL: its persistence may be lost, so losses would not be the client\'s');
      } finally {
        await proxy.stop();
        await broker.stop();
      }
    });
  }
}

test('servers [a, b]: broker a killed, the client is on b within one reconnect period, resubscribed, the stream continues', { skip, timeout: 30000 }, async (t) => {
  const a = await startMosquitto();
  const b = await startMosquitto();
  const mqtt = loadMqtt();
  const reconnectPeriod = 1000;
  const c = mqtt.connect({
    servers: [{ host: '127.0.0.1', port: a.wsPort }, { host: '127.0.0.1', port: b.wsPort }],
    protocol: 'ws',
    clientId: `flt-failover-${process.pid}`,
    reconnectPeriod,
    connectTimeout: 1000,
  });
  const received = new Map();
  const callbacks = new Map();
  const connects = [];
  c.on('connect', () => connects.push(Date.now()));
  c.on('message', (topic, p) => received.set(Number(p), (received.get(Number(p)) || 0) + 1));
  let seq = 0;
  let timer;
  try {
    await waitFor(() => c.connected, 5000, 'connected to a');
    await new Promise((resolve, reject) => c.subscribe('flt/failover', { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    timer = setInterval(() => {
      const n = seq++;
      c.publish('flt/failover', String(n), { qos: 1 }, (err) => callbacks.set(n, (callbacks.get(n) || []).concat(err ? err.message : 'ok')));
    }, 20);
    await sleep(1000);
    const killedAt = Date.now();
    const seqAtKill = seq;
    await a.kill();
    await waitFor(() => connects.length >= 2, 3 * reconnectPeriod, 'connected to b');
    const movedMs = connects[1] - killedAt;
    await sleep(1500);
    clearInterval(timer);
    await waitFor(() => callbacks.size === seq, 5000, 'every publish callback').catch(() => {});
    await sleep(300);
    const after = [];
    for (let n = seqAtKill; n < seq; n++) after.push(n);
    const missingAfter = after.filter((n) => !received.has(n));
    const report = {
      movedMs,
      sent: seq,
      sentAfterKill: after.length,
      missingAfterKill: missingAfter.length,
      lostBeforeKill: [...Array(seqAtKill).keys()].filter((n) => !received.has(n)).length,
      callbacksMissing: seq - callbacks.size,
      callbacksTwice: [...callbacks.values()].filter((v) => v.length > 1).length,
      callbackErrors: [...callbacks.values()].filter((v) => v[0] !== 'ok').length,
    };
    t.diagnostic(JSON.stringify(report));
    if (process.env.REPORT) console.log('ROW ' + JSON.stringify(Object.assign({ fault: 'failover' }, report)));
    assert.ok(movedMs <= reconnectPeriod + 500, `on b ${movedMs} ms after a died (reconnectPeriod ${reconnectPeriod})`);
    assert.ok(after.length > 50, 'the stream went on');
    assert.strictEqual(missingAfter.length, 0, 'everything published from the kill on arrived through b (resubscribed)');
    assert.strictEqual(report.callbacksMissing + report.callbacksTwice + report.callbackErrors, 0, JSON.stringify(report));
  } finally {
    clearInterval(timer);
    await new Promise((r) => c.end(true, r));
    await a.stop();
    await b.stop();
  }
});
