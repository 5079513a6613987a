'use strict';
/**
 * Memory: bench/memory-child.js in fresh processes (two at a time: memory figures do not
 * depend on timing), `reps` per client. Figures after two full GCs: Node's heapUsed, plus
 * for mpmqtt the wasm linear memory. Linear memory never shrinks (WebAssembly has no way to
 * give pages back), so "comes back down" for it means the allocator reuses what it grew to.
 */
const { execFile } = require('child_process');
const path = require('path');

function child(impl, messages, inflight) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', path.join(__dirname, 'memory-child.js'), impl, String(messages), String(inflight)], { timeout: 240000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error('memory child ' + impl + ' failed: ' + (stderr || err.message).trim()));
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

const MB = 1024 * 1024;

async function run(ctx) {
  const impls = ctx.impls.filter((i) => i === 'ours' || i === 'mqttjs5');
  const messages = ctx.quick ? 100000 : 1000000;
  const inflight = 10000;
  const runs = {};
  for (let rep = 0; rep < ctx.reps; rep++) {
    const results = await Promise.all(impls.map((impl) => child(impl, messages, inflight)));
    results.forEach((r) => (runs[r.impl] = runs[r.impl] || []).push(r));
    ctx.log('memory rep ' + (rep + 1) + '/' + ctx.reps + ': ' + results.map((r) => r.impl + ' heap ' + (r.before.heapUsed / MB).toFixed(1) + ' → ' + (r.afterQos0.heapUsed / MB).toFixed(1) + ' MiB').join(', '));
  }
  const total = (s) => (s.heapUsed + s.wasm) / MB;
  const metrics = [
    ['heap + wasm, connected (before)', (r) => total(r.before)],
    ['heap + wasm, after ' + messages.toLocaleString('en-US') + ' QoS 0 out + in', (r) => total(r.afterQos0)],
    ['heap peak during the QoS 0 run', (r) => r.peakHeapQos0 / MB],
    ['heap + wasm, ' + inflight.toLocaleString('en-US') + ' QoS 1 in flight', (r) => total(r.inflight1)],
    ['heap + wasm, after their PUBACKs', (r) => total(r.afterAcks)],
    ['of which wasm linear memory, before', (r) => r.before.wasm / MB],
    ['of which wasm linear memory, ' + inflight.toLocaleString('en-US') + ' in flight', (r) => r.inflight1.wasm / MB],
    ['of which wasm linear memory, at the end', (r) => r.afterAcks.wasm / MB],
    ['Node external memory at the end (ArrayBuffers, wasm memory included)', (r) => r.afterAcks.external / MB],
  ];
  return metrics.map(([name, pick]) => {
    const values = {};
    // MQTT.js has no linear memory: its cell stays empty rather than showing a zero.
    for (const impl of impls) if (!(name.includes('wasm linear') && impl !== 'ours')) values[impl] = (runs[impl] || []).map(pick);
    return { section: 'Memory (MiB, after 2 GCs; fake transport, 16 B payloads)', name, unit: 'MiB', better: 'lower', values };
  });
}

module.exports = { run };
