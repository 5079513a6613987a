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
// Measured (bench/copies.js prints them): publish 1.00× (from 1 KiB the payload stays in JS
// and is copied once, into the bytes the socket sends; 2.00× while it was first copied into
// linear memory, 3.07× before that), 1,872 B fixed; receive in one message 1.00×, in
// 2/4/16/64 messages 2.50/2.25/2.07/2.04× since the pieces after the first are written
// straight into the frame's buffer (3.0× before, 3.50–5.01× before the decoder reserved the
// frame's length): only the first piece is copied twice. 2,029 B fixed (1,913 B since). A
// QoS 1 publish copies 2,112 B beyond a 16 B payload since the outgoing store and page
// acknowledgements landed (1,708 B before: struct moves in the publish path, to be won back
// with smaller packet structs). Slack: 1% on copies, ~5% on fixed bytes.
const CEILING = { outPerByte: 1.02, fixedOut: 2220, fixedIn: 2200, inPerByte: { 1: 1.02, 2: 2.53, 4: 2.28, 16: 2.1, 64: 2.07 } };
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
  // The first piece of a split message moves into the frame's buffer through memmove.
  const split = f.raw.find((r) => r.op === 'receive' && r.pieces === 4);
  assert.ok(split.coreCalls > 0 && split.core >= 1048576 / 4, 'the first quarter of a 1 MiB message is moved by the core: ' + JSON.stringify(split));
  const split64 = f.raw.find((r) => r.op === 'receive' && r.pieces === 64);
  assert.ok(split64.glueCalls >= 64, 'each of 64 pieces is written into linear memory: ' + JSON.stringify(split64));
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

test('budget: a publish copies its payload at most once on the way out', { skip }, async () => {
  const f = await get();
  for (const qos of [0, 1]) assert.ok(f.out[qos].perByte <= BUDGET.outPerByte + 0.02, 'QoS ' + qos + ': ' + f.out[qos].perByte + '×');
});

test('budget: a received payload split across messages is copied at most twice, whatever the count', { skip, todo: 'today 2.04–2.50×: the first piece is copied into a buffer of its own and moved into the frame buffer once its header shows the packet is incomplete; later pieces are written into the frame buffer directly' }, async () => {
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
