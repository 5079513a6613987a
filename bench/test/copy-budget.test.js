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
// linear memory, 3.07× before that); receive in one message 1.00×, in
// 2/4/16/64 messages 2.0012/2.0012/2.0013/2.0015× since the first piece too is written into
// the frame's buffer, reserved at the length its first bytes give (2.50/2.25/2.07/2.04×
// before, when it was copied into a buffer of its own and moved; 3.0× before the later pieces
// were written in place), about 5 B per message beyond that (~420 B of struct moves per
// message before); three 1 MiB packets back to back in 64 KiB messages 2.0013× since a
// message that ends one packet and starts the next is written in two parts (2.71× when it
// went whole into the first packet's buffer, which then grew and moved). Fixed bytes beyond a
// 16 B payload: publish 164 B (QoS 0) and 248 B (QoS 1), receive 86/85 B, since property
// sets, CONNECT and messages are boxed, a PUBLISH is encoded where it is and the poll calls
// stop moving empty results (1,872 / 2,104 / 1,913 B before: `Packet`, `Publish` and `Event`
// moved whole, 216/116/132 B a move; bench/copy-callers.js names each copy,
// docs/performance.md lists them). The publish ceiling is the budget itself.
// Slack: 0.3% on split copies, ~5% on fixed bytes.
const CEILING = { outPerByte: 1.02, fixedOut: 256, fixedIn: 96, inPerByte: { 1: 1.01, 2: 2.005, 4: 2.005, 16: 2.005, 64: 2.005 }, inStream: 2.005 };
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
  const tiny = f.raw.find((r) => r.op === 'receive' && r.size === 16);
  assert.ok(tiny.coreCalls > 0 && tiny.core > 0, 'the core\'s memmove is counted (struct moves of a 16 B message): ' + JSON.stringify(tiny));
  // A split message: each piece written into linear memory once by the glue (the first one
  // too, into the frame's buffer), and nothing of the payload moved by the core.
  const split = f.raw.find((r) => r.op === 'receive' && r.pieces === 4);
  assert.ok(split.glue >= 2 * 1048576 && split.core < 4096, 'a 1 MiB message in 4 pieces: the glue copies it in and out, the core moves none of it: ' + JSON.stringify(split));
  const split64 = f.raw.find((r) => r.op === 'receive' && r.pieces === 64);
  assert.ok(split64.glueCalls >= 64, 'each of 64 pieces is written into linear memory: ' + JSON.stringify(split64));
});

test('copies stay at or below today\'s ceilings (regressions fail)', { skip }, async (t) => {
  const f = await get();
  for (const qos of [0, 1]) {
    t.diagnostic('QoS ' + qos + ': publish ' + f.out[qos].perByte.toFixed(3) + '× + ' + f.out[qos].fixed + ' B; receive ' + PIECES.map((k) => k + ' msg ' + f.in[qos][k].toFixed(3) + '×').join(', ') + '; back to back ' + f.inStream[qos].toFixed(3) + '×; receive 16 B fixed ' + f.inFixed[qos] + ' B');
    assert.ok(f.out[qos].perByte <= CEILING.outPerByte, 'publish QoS ' + qos + ' copies its payload ' + f.out[qos].perByte + '×');
    assert.ok(f.out[qos].fixed <= CEILING.fixedOut, 'publish QoS ' + qos + ' copies ' + f.out[qos].fixed + ' B beyond a 16 B payload');
    assert.ok(f.inFixed[qos] <= CEILING.fixedIn, 'receive QoS ' + qos + ' copies ' + f.inFixed[qos] + ' B beyond a 16 B payload');
    for (const k of PIECES) assert.ok(f.in[qos][k] <= CEILING.inPerByte[k], 'a 1 MiB message in ' + k + ' pieces is copied ' + f.in[qos][k] + '×');
    assert.ok(f.inStream[qos] <= CEILING.inStream, '1 MiB packets back to back in 64 KiB messages are copied ' + f.inStream[qos] + '×');
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

test('budget: a received payload split across messages is copied at most twice, whatever the count', { skip }, async () => {
  const f = await get();
  for (const qos of [0, 1]) {
    for (const k of PIECES) assert.ok(f.in[qos][k] <= BUDGET.inPerByte + 0.02, 'QoS ' + qos + ', ' + k + ' pieces: ' + f.in[qos][k] + '×');
    assert.ok(f.in[qos][64] - f.in[qos][2] <= BUDGET.growthPerByte, 'QoS ' + qos + ': copies grow by ' + (f.in[qos][64] - f.in[qos][2]) + '× from 2 to 64 pieces');
    assert.ok(f.inStream[qos] <= BUDGET.inPerByte + 0.02, 'QoS ' + qos + ', packets back to back in messages cut where they fall: ' + f.inStream[qos] + '×');
  }
});

test('budget: headers and bookkeeping are not rebuilt and recopied per packet', { skip }, async () => {
  const f = await get();
  for (const qos of [0, 1]) {
    assert.ok(f.out[qos].fixed <= BUDGET.fixedBytes, 'publish QoS ' + qos + ': ' + f.out[qos].fixed + ' B');
    assert.ok(f.inFixed[qos] <= BUDGET.fixedBytes, 'receive QoS ' + qos + ': ' + f.inFixed[qos] + ' B');
  }
});
