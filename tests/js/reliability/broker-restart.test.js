'use strict';
// Broker restarted repeatedly under a steady QoS 1 + QoS 2 stream in both directions,
// clean=false sessions in a persistent Mosquitto. The long version is scripts/soak.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, loadMqtt } = require('../../reliability/harness');
const { runRestartScenario } = require('../../reliability/restart-scenario');
const { startMosquitto } = require('../../support/mosquitto');

const skip = skipUnless({ mosquitto: true });

test('3 broker restarts in ~20 s: QoS 1 and 2 both ways, nothing lost, QoS 2 never twice, every callback once', { skip, timeout: 90000 }, async (t) => {
  const broker = await startMosquitto({ persistence: true });
  try {
    const r = await runRestartScenario({ mqtt: loadMqtt(), broker, durationMs: 20000, restartEveryMs: 5500 });
    for (const s of r.streams) t.diagnostic(JSON.stringify(s));
    t.diagnostic(`restarts ${r.restarts}, connects ${JSON.stringify(r.connects)}, errors ${JSON.stringify(r.errors)}`);
    assert.strictEqual(r.restarts, 3);
    assert.strictEqual(broker.forcedKills, 0, 'Mosquitto did not exit within 20 s of SIGTERM: its persistence (and messages it acknowledged) may be lost, so losses would not be the client\'s');
    assert.ok(r.connects.a >= 4 && r.connects.b >= 4, `each client reconnected after every restart: ${JSON.stringify(r.connects)}`);
    for (const s of r.streams) {
      assert.ok(s.sent > 300, `${s.stream}: a steady stream was sent (${s.sent})`);
      assert.strictEqual(s.lost, 0, `${s.stream}: lost ${s.lost} of ${s.sent}`);
      assert.strictEqual(s.unknown, 0, `${s.stream}: messages that were never sent`);
      assert.strictEqual(s.callbacksMissing, 0, `${s.stream}: publish callbacks that never fired`);
      assert.strictEqual(s.callbacksExtra, 0, `${s.stream}: publish callbacks that fired twice`);
      assert.strictEqual(s.callbackErrors, 0, `${s.stream}: publish callbacks with an error`);
      if (s.stream.endsWith('QoS 2')) assert.strictEqual(s.duplicated, 0, `${s.stream}: QoS 2 delivered twice`);
    }
  } finally {
    await broker.stop();
  }
});
