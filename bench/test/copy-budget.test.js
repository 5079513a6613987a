'use strict';
// The copy budget of issue #23, counted on dist/mqtt.wasm (bench/lib/copies.js):
//   a publish copies its payload at most once on the way out, a received payload at most twice
//   on the way in, and no copy grows with the number of WebSocket messages a packet came in.
// Tests marked `todo` state the budget and are reported, not failed, until the code meets it;
// the CEILING tests hold today's figures so that a change copying more fails now.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { copyFigures, measure, countingWasm } = require('../lib/copies');

const WASM = path.join(__dirname, '..', '..', 'dist', 'mqtt.wasm');
const skip = fs.existsSync(WASM) ? false : 'dist/mqtt.wasm not built (scripts/build-wasm && node scripts/bundle.js)';

const BUDGET = { outPerByte: 1, inPerByte: 2, fixedBytes: 256, growthPerByte: 0.01 };
// Measured (bench/copies.js prints them): publish 3.07× (page → linear memory, into the
// packet, out of linear memory), 1,872 B fixed; receive in one message 1.00×, in 2/4/16/64
// messages 3.00/3.00/3.01/3.03× since the decoder reserves the frame's length (3.50–5.01×
// before, growing with the pieces), 2,029 B fixed. Slack: 2% on copies, ~8% on fixed bytes.
const CEILING = { outPerByte: 3.1, fixedOut: 2000, fixedIn: 2200, inPerByte: { 1: 1.02, 2: 3.05, 4: 3.05, 16: 3.05, 64: 3.08 } };
const PIECES = [1, 2, 4, 16, 64];

let figures = null;
async function get() {
  figures = figures || (await copyFigures(PIECES));
  return figures;
}

test('the counter sees the copies it claims to count', { skip }, async () => {
  // The glue side: a typed-array copy of known size, and none outside measure().
  const glue = await measure(async () => new Uint8Array(1000).set(new Uint8Array(300)));
  assert.strictEqual(glue.glue, 300);
  new Uint8Array(10).slice();
  // The core side: the rewritten module instantiates and memmove calls the counting import.
  const bytes = await countingWasm();
  assert.ok(WebAssembly.validate(bytes));
  const f = await get();
  const big = f.raw.find((r) => r.op === 'publish' && r.size === 1048576);
  assert.ok(big.coreCalls > 0 && big.core >= 1048576, 'a 1 MiB publish moves its payload through memmove: ' + JSON.stringify(big));
  const split = f.raw.find((r) => r.op === 'receive' && r.pieces === 64);
  assert.ok(split.glueCalls >= 64, 'each of 64 pieces is written into linear memory: ' + JSON.stringify(split));
});

test('copies stay at or below today\'s ceilings (regressions fail)', { skip }, async (t) => {
  const f = await get();
  for (const qos of [0, 1]) {
    t.diagnostic('QoS ' + qos + ': publish ' + f.out[qos].perByte.toFixed(3) + '× + ' + f.out[qos].fixed + ' B; receive ' + PIECES.map((k) => k + ' msg ' + f.in[qos][k].toFixed(3) + '×').join(', ') + '; receive 16 B fixed ' + f.inFixed[qos] + ' B');
    assert.ok(f.out[qos].perByte <= CEILING.outPerByte, 'publish QoS ' + qos + ' copies its payload ' + f.out[qos].perByte + '×');
    assert.ok(f.out[qos].fixed <= CEILING.fixedOut, 'publish QoS ' + qos + ' copies ' + f.out[qos].fixed + ' B beyond a 16 B payload');
    assert.ok(f.inFixed[qos] <= CEILING.fixedIn, 'receive QoS ' + qos + ' copies ' + f.inFixed[qos] + ' B beyond a 16 B payload');
    for (const k of PIECES) assert.ok(f.in[qos][k] <= CEILING.inPerByte[k], 'a 1 MiB message in ' + k + ' pieces is copied ' + f.in[qos][k] + '×');
  }
});

test('budget: a received payload in one WebSocket message is copied at most twice', { skip }, async () => {
  const f = await get();
  for (const qos of [0, 1]) assert.ok(f.in[qos][1] <= BUDGET.inPerByte, 'QoS ' + qos + ': ' + f.in[qos][1] + '×');
});

test('budget: a publish copies its payload at most once on the way out', { skip, todo: 'today 3.07×: glue put() into linear memory, core memmove into the packet, glue bytesOf() slice out' }, async () => {
  const f = await get();
  for (const qos of [0, 1]) assert.ok(f.out[qos].perByte <= BUDGET.outPerByte + 0.02, 'QoS ' + qos + ': ' + f.out[qos].perByte + '×');
});

test('budget: a received payload split across messages is copied at most twice, whatever the count', { skip, todo: 'today 3.0×, flat: each piece is copied into linear memory, then into the reassembly buffer (reserved at the frame length), and the payload is sliced out' }, async () => {
  const f = await get();
  for (const qos of [0, 1]) {
    for (const k of PIECES) assert.ok(f.in[qos][k] <= BUDGET.inPerByte + 0.02, 'QoS ' + qos + ', ' + k + ' pieces: ' + f.in[qos][k] + '×');
    assert.ok(f.in[qos][64] - f.in[qos][2] <= BUDGET.growthPerByte, 'QoS ' + qos + ': copies grow by ' + (f.in[qos][64] - f.in[qos][2]) + '× from 2 to 64 pieces');
  }
});

test('budget: headers and bookkeeping are not rebuilt and recopied per packet', { skip, todo: 'today about 1.6–2.0 KB copied per 16 B packet, in and out' }, async () => {
  const f = await get();
  for (const qos of [0, 1]) {
    assert.ok(f.out[qos].fixed <= BUDGET.fixedBytes, 'publish QoS ' + qos + ': ' + f.out[qos].fixed + ' B');
    assert.ok(f.inFixed[qos] <= BUDGET.fixedBytes, 'receive QoS ' + qos + ': ' + f.inFixed[qos] + ' B');
  }
});
