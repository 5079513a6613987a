'use strict';
/**
 * The copy budget of issue #23, counted (bench/lib/copies.js): bytes mpmqtt copies per
 * publish and per received message, as copies of the payload and fixed bytes. Exact counts
 * (no timing); no anchor: MQTT.js' copies happen inside Node's Buffer internals, which this
 * counter cannot see. bench/test/copy-budget.test.js holds the budget and today's ceilings.
 */
const { exact } = require('./lib/stats');

/** The figures from a fresh process: the client keeps the first core a process loads. */
function figuresInChild() {
  const { execFileSync } = require('child_process');
  const code = "require('./lib/copies').copyFigures().then((f) => process.stdout.write(JSON.stringify(f)))";
  return JSON.parse(execFileSync(process.execPath, ['-e', code], { cwd: __dirname, timeout: 240000, maxBuffer: 1 << 22 }).toString());
}

async function run() {
  const f = figuresInChild();
  const section = 'Copies per operation (counted: core memmove + glue set/slice; budget: publish ≤ 1× payload, receive ≤ 2×, not growing with the pieces)';
  const rows = [];
  const row = (name, value, unit) => rows.push({ section, name, unit, better: 'lower', values: { ours: exact(value) } });
  for (const qos of [0, 1]) {
    row('publish QoS ' + qos + ': payload copies (per payload byte, 64 KiB → 1 MiB)', f.out[qos].perByte, '×');
    row('publish QoS ' + qos + ', 16 B: bytes copied beyond the payload', f.out[qos].fixed, 'B');
    row('receive QoS ' + qos + ', 16 B in one message: bytes copied beyond the payload', f.inFixed[qos], 'B');
    for (const k of Object.keys(f.in[qos])) row('receive QoS ' + qos + ', 1 MiB in ' + k + ' WebSocket message' + (k === '1' ? '' : 's') + ': payload copies', f.in[qos][k], '×');
    row('receive QoS ' + qos + ', 3 × 1 MiB back to back in 64 KiB WebSocket messages: payload copies', f.inStream[qos], '×');
  }
  return rows;
}

module.exports = { run };
