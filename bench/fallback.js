'use strict';
/**
 * The no-WebAssembly core (wasm2js, dist/mqtt.fallback.js) next to the WebAssembly one, in
 * the same run: end-to-end throughput for QoS 0 and 1 with 16 B and 1 KiB payloads, trials
 * interleaving the fallback, MQTT.js 5 and our WebAssembly build (throughput.js' trial).
 * The "mpmqtt" column of this section is the fallback; its other anchor is our wasm build.
 * Its shipping size is in the size section.
 */
const { trial, windowFor } = require('./throughput');

const CASES = [
  { qos: 0, label: '16 B', size: 16 },
  { qos: 0, label: '1 KiB', size: 1024 },
  { qos: 1, label: '16 B', size: 16 },
  { qos: 1, label: '1 KiB', size: 1024 },
];
/** Which client of the trials fills which column. */
const IMPLS = { fallback: 'ours', mqttjs5: 'mqttjs5', ours: 'wasm' };

/**
 * @param {{broker: object, reps: number, durationMs: number, warmupMs: number, log: Function}} ctx
 * @returns {Promise<object[]>} rows for the table
 */
async function run(ctx) {
  const results = CASES.map(() => ({ ours: [], mqttjs5: [], wasm: [] }));
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[i];
      for (const [impl, column] of Object.entries(IMPLS)) {
        const r = await trial(impl, ctx.broker, { qos: c.qos, size: c.size, durationMs: ctx.durationMs, warmupMs: ctx.warmupMs });
        results[i][column].push(r.rate);
      }
      ctx.log('fallback rep ' + (rep + 1) + '/' + ctx.reps + ' QoS ' + c.qos + ', ' + c.label + ': ' + Object.entries(results[i]).map(([k, v]) => k + ' ' + Math.round(v[rep])).join(', '));
    }
  }
  return CASES.map((c, i) => ({
    section: 'No-WebAssembly core (wasm2js fallback: the mpmqtt column), msg/s received',
    name: 'QoS ' + c.qos + ', ' + c.label + ' (window ' + windowFor(c.size) + ')',
    unit: 'msg/s',
    better: 'higher',
    values: results[i],
  }));
}

module.exports = { run, CASES };
