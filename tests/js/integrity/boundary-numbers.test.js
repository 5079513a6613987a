'use strict';
/**
 * Every number that crosses the JS/wasm boundary, at its limits (issue 18): slice pointers and
 * lengths (the glue's decoding, with a fake core whose memory is 4 GiB so pointers reach
 * 2^31 and 2^32 − 1), times in ms (`now` from 1 ms to 2^53 − 2^22, past 2^31 and 2^32: the
 * keepalive and reconnect schedule must be the same at every offset), packet ids (65535 and
 * the wrap to 1, skipping ids still in flight) and packet sizes at the MQTT maximum
 * (Remaining Length 268,435,455: one byte more is refused with a clear error, the session goes
 * on). Both cores (WebAssembly and wasm2js) are driven directly with explicit times.
 */
const test = require('node:test');
const assert = require('node:assert');
const { coreClass } = require('../../../js-glue/core/flat-core');
const { loadCores, coresMissing, drainEvents, drainTransmit, EV } = require('./cores');
const { pattern, payloadDifference, publishHeaderLength, VARINT_MAX } = require('./wire');

const FULL = process.env.MPMQTT_SWEEP === 'full';
const skip = coresMissing();
let cores = null;
const getCores = async () => cores || (cores = await loadCores());

// ---- slices: pointer and length, decoded by the glue ----

/**
 * A stand-in for the core's exports over a 4 GiB memory, speaking the flat ABI of
 * docs/core-interface.md: a slice is its pointer, returned as a wasm i32 is (negative from
 * 2^31), with its length in the out-slot (a little-endian u32). `next[name]` is what the
 * export `name` returns next, as {ptr, len}.
 */
function fakeCore(memoryBytes) {
  const buffer = new ArrayBuffer(memoryBytes);
  const bytes = new Uint8Array(buffer);
  const OUT_SLOT = 2 ** 30; // away from every slice the test writes
  const next = {};
  const seen = {};
  const slice = (name) => {
    const s = next[name] || { ptr: 0, len: 0 };
    bytes[OUT_SLOT] = s.len & 255;
    bytes[OUT_SLOT + 1] = (s.len >>> 8) & 255;
    bytes[OUT_SLOT + 2] = (s.len >>> 16) & 255;
    bytes[OUT_SLOT + 3] = (s.len >>> 24) & 255;
    return s.ptr | 0;
  };
  const exports = {
    memory: { buffer },
    mq_out_slot: () => OUT_SLOT,
    mq_alloc: () => next.alloc | 0,
    // All `len` bytes go where it says (the out-slot holds how many).
    mq_input_buffer: (h, len) => {
      next.mq_input_buffer = { ptr: next.alloc, len };
      return slice('mq_input_buffer');
    },
    mq_new: () => {
      if (next.handle < 0) slice('mq_new');
      return next.handle;
    },
    mq_handle_bytes: (h, now, ptr, len) => {
      seen.handleBytes = { h, ptr, len };
    },
    // The pending bytes' length, then piece 0 is the whole of them (no spliced payload).
    mq_poll_transmit: (h) => {
      seen.handle = h;
      return (next.mq_poll_transmit || { len: 0 }).len | 0;
    },
    mq_transmit_piece: (h, i) => (i === 0 ? slice('mq_poll_transmit') : slice('none')),
    mq_poll_event: () => 5,
  };
  for (const name of ['mq_ev_payload', 'mq_ev_topic', 'mq_ev_text', 'mq_ev_error_name', 'mq_ev_codes', 'mq_ev_properties', 'mq_property_names']) exports[name] = () => slice(name);
  const wasm = new Proxy(exports, { get: (o, k) => (k in o ? o[k] : typeof k === 'string' && k.startsWith('mq_') ? () => 0 : undefined) });
  return { wasm, bytes, next, seen };
}

const TWO_31 = 2 ** 31;
const TWO_32 = 2 ** 32;
const TWO_21 = 2 ** 21;
const LENGTHS = [1, TWO_21 - 1, TWO_21, TWO_21 + 1, 3 * 2 ** 20 + 7];

test('slices: pointers from 1 to 2^32 − 1 and lengths around 2^21, odd and even, decode to the bytes they point at', { timeout: 60000 }, (t) => {
  let fake;
  try {
    fake = fakeCore(TWO_32);
  } catch (e) {
    t.skip(`no 4 GiB ArrayBuffer here: ${e.message}`);
    return;
  }
  const { wasm, bytes, next, seen } = fake;
  next.handle = TWO_32 - 8; // a handle is a pointer too
  next.alloc = 4096; // where the options record goes
  const Core = coreClass(wasm);
  const core = new Core({ clientId: 'x' });
  let seed = 0;
  const checked = [];
  for (const len of LENGTHS) {
    // Odd and even pointers, at 2^31 (reads negative as an i32) and at the top of memory.
    for (const ptr of [1, 2, TWO_31 - len - 1, TWO_31 - 1, TWO_31, TWO_31 + 1, TWO_32 - len - 1, TWO_32 - len]) {
      const data = pattern(len, ++seed);
      bytes.set(data, ptr);
      next.mq_poll_transmit = { ptr, len };
      next.mq_ev_payload = { ptr, len };
      next.mq_ev_codes = { ptr, len };
      const out = core.poll_transmit();
      assert.strictEqual(seen.handle >>> 0, TWO_32 - 8, 'the handle reaches the core unchanged');
      assert.strictEqual(payloadDifference(out, data), null, `poll_transmit at ${ptr}, ${len} B`);
      assert.strictEqual(payloadDifference(core.ev_payload(), data), null, `ev_payload at ${ptr}, ${len} B`);
      assert.strictEqual(payloadDifference(core.ev_codes(), data), null, `ev_codes at ${ptr}, ${len} B`);
      checked.push([ptr, len]);
    }
  }
  // Text: a topic at the top of memory, and a 2^21 + 1 byte one at an odd pointer past 2^31.
  for (const [ptr, text] of [
    [TWO_32 - 5, 'a/b/c'],
    [TWO_31 + 3, 'x'.repeat(TWO_21) + 'é'],
  ]) {
    const encoded = Buffer.from(text, 'utf8');
    bytes.set(encoded, ptr);
    next.mq_ev_topic = { ptr, len: encoded.length };
    assert.strictEqual(core.ev_topic(), text);
  }
  // Bad options: the message comes back as the negated pointer.
  const message = 'options.keepalive: expected a number';
  bytes.set(Buffer.from(message), TWO_32 - 64);
  next.mq_new = { ptr: TWO_32 - 64, len: message.length };
  next.handle = -(TWO_32 - 64);
  assert.throws(() => new Core({ clientId: 'x' }), { message });
  // A buffer the glue fills at a pointer past 2^31, and a payload view of it at an odd offset.
  const input = pattern(TWO_21 + 9, 99);
  next.alloc = TWO_32 - input.length - 1;
  core.handle_bytes(0, input);
  assert.strictEqual(seen.handleBytes.ptr >>> 0, TWO_32 - input.length - 1, 'the pointer mq_input_buffer gave is the one passed back');
  assert.strictEqual(payloadDifference(bytes.subarray(TWO_32 - input.length - 1, TWO_32 - 1), input), null, 'the bytes landed there');
  next.mq_ev_payload = { ptr: TWO_32 - input.length - 1 + 7, len: TWO_21 };
  const view = core.ev_payload();
  assert.strictEqual(view.buffer, input.buffer, 'a view of the socket message');
  assert.strictEqual(payloadDifference(view, input.subarray(7, 7 + TWO_21)), null);
  t.diagnostic(`${checked.length} pointer/length pairs`);
});

// ---- the real cores ----

const CONNACK = Uint8Array.from([0x20, 2, 0, 0]);

/** A connected 3.1.1 core; its CONNECT taken. */
function connected(Core, now, options) {
  const core = new Core(Object.assign({ clientId: 'numbers', protocolVersion: 4, keepalive: 0, reconnectPeriod: 0 }, options));
  core.connect(now);
  drainEvents(core);
  core.transport_opened(now);
  drainTransmit(core);
  core.handle_bytes(now, CONNACK);
  drainEvents(core);
  return core;
}

/**
 * The schedule of a session started at `start`: CONNECT, CONNACK, the first PINGREQ (with a
 * probe one ms before its deadline), no PINGRESP, the keepalive timeout, the reconnect.
 * Times come back relative to `start`.
 */
function schedule(Core, start) {
  const log = [];
  const core = new Core({ clientId: 'clock', protocolVersion: 4, keepalive: 30, reconnectPeriod: 1000, connectTimeout: 5000 });
  const deadline = () => {
    const d = core.poll_timeout();
    assert.ok(d === -1 || Number.isSafeInteger(d), `poll_timeout ${d} is a whole number of ms`);
    return d === -1 ? null : d - start;
  };
  const step = (label, at, call) => {
    call(start + at);
    const sent = drainTransmit(core);
    log.push([label, at, sent.length ? sent.subarray(0, 1).toString('hex') : '', drainEvents(core).map((e) => e.kind).join(','), deadline()]);
  };
  step('connect', 0, (now) => core.connect(now));
  step('open', 10, (now) => core.transport_opened(now));
  step('connack', 20, (now) => core.handle_bytes(now, CONNACK));
  const ping = log[log.length - 1][4];
  step('before ping', ping - 1, (now) => core.handle_timeout(now));
  step('ping', ping, (now) => core.handle_timeout(now));
  const dead = log[log.length - 1][4];
  step('no pingresp', dead, (now) => core.handle_timeout(now));
  step('closed', dead, (now) => core.transport_closed(now));
  const retry = log[log.length - 1][4];
  step('before retry', retry - 1, (now) => core.handle_timeout(now));
  step('retry', retry, (now) => core.handle_timeout(now));
  core.free();
  return log;
}

test('times: keepalive and reconnect fall on the same ms whatever `now` is, from 1 ms to 2^53 − 2^22 (past 2^31 and 2^32)', { skip, timeout: 60000 }, async (t) => {
  for (const { name, Core } of await getCores()) {
    const random = Math.random;
    Math.random = () => 0.5; // the reconnect-jitter seed, the same for every run
    try {
      const base = schedule(Core, 1);
      const events = base.map(([label, at, sent, kinds]) => `${label}@${at}:${sent}:${kinds}`);
      t.diagnostic(`${name}: ${events.join(' ')}`);
      const ping = base.find(([label]) => label === 'ping');
      assert.strictEqual(ping[2], 'c0', `${name}: the PINGREQ goes out at its deadline`);
      // Keepalive counts from the CONNACK (at 20), not from the CONNECT (at 10).
      assert.ok(ping[1] >= 10 + 30000 && ping[1] <= 20 + 30000, `${name}: PINGREQ keepalive after the handshake (at ${ping[1]})`);
      assert.strictEqual(base.find(([label]) => label === 'before ping')[2], '', 'nothing before it');
      assert.strictEqual(base.find(([label]) => label === 'retry')[3].split(',').includes(String(EV.OPEN_TRANSPORT)), true, `${name}: the reconnect opens a transport`);
      assert.strictEqual(base.find(([label]) => label === 'before retry')[3].includes(String(EV.OPEN_TRANSPORT)), false, 'not before its time');
      for (const start of [2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 32 - 15000, Date.now(), 2 ** 40 + 3, 2 ** 52 + 1, 2 ** 53 - 2 ** 22]) {
        assert.deepStrictEqual(schedule(Core, start), base, `${name}: the schedule starting at ${start} ms`);
      }
    } finally {
      Math.random = random;
    }
  }
});

/** Parses the packet id of a QoS 1 PUBLISH to topic "w" (3.1.1). */
const publishId = (bytes) => (bytes[5] << 8) | bytes[6];

test('packet ids: QoS 1 publishes use 1..65535, wrap to 1 and skip ids still in flight', { skip, timeout: 120000 }, async (t) => {
  for (const { name, Core } of await getCores()) {
    const started = Date.now();
    const core = connected(Core, 1000);
    const one = Uint8Array.of(7);
    const send = () => {
      const op = core.publish(1000, 'w', one, 1, false, false, undefined);
      const bytes = drainTransmit(core);
      assert.strictEqual(bytes[0], 0x32, `${name}: a QoS 1 PUBLISH went out`);
      return { op, id: publishId(bytes) };
    };
    const ack = (id) => {
      core.handle_bytes(1000, Uint8Array.of(0x40, 2, id >> 8, id & 255));
      return drainEvents(core);
    };
    // Ids 1 and 2 stay in flight the whole time; every other one is acknowledged at once.
    const held = [send(), send()];
    assert.deepStrictEqual(held.map((h) => h.id), [1, 2]);
    const ids = [];
    for (let i = 0; i < 65533 + 3; i++) {
      const { op, id } = send();
      ids.push(id);
      const events = ack(id);
      assert.deepStrictEqual(events.filter((e) => e.kind === EV.OP_DONE).map((e) => [e.op, e.messageId]), [[op, id]], `${name}: publish ${i} (id ${id}) done by its PUBACK`);
    }
    assert.deepStrictEqual(ids.slice(0, 3), [3, 4, 5]);
    assert.deepStrictEqual(ids.slice(65530, 65536), [65533, 65534, 65535, 3, 4, 5], `${name}: after 65535 the ids wrap past the ones in flight`);
    assert.ok(ids.every((id) => id >= 1 && id <= 65535));
    // The held ones still complete.
    for (const h of held) assert.deepStrictEqual(ack(h.id).filter((e) => e.kind === EV.OP_DONE).map((e) => e.op), [h.op]);
    core.free();
    t.diagnostic(`${name}: 65,538 QoS 1 round trips in ${Date.now() - started} ms`);
  }
});

test('sizes: a PUBLISH one byte over Remaining Length 268,435,455 is refused with packet_too_large; the session goes on', { skip, timeout: FULL ? 600000 : 120000 }, async (t) => {
  for (const { name, Core } of await getCores()) {
    for (const version of [4, 5]) {
      const started = Date.now();
      const core = connected(Core, 1000, { protocolVersion: version });
      if (version === 5) drainTransmit(core);
      const shape = { topic: 'big', qos: 1, version };
      const over = new Uint8Array(VARINT_MAX + 1 - publishHeaderLength(shape));
      const op = core.publish(1000, 'big', over, 1, false, false, undefined);
      assert.strictEqual(drainTransmit(core).length, 0, `${name} v${version}: nothing is sent`);
      const failed = drainEvents(core).filter((e) => e.kind === EV.OP_FAILED);
      assert.deepStrictEqual(failed.map((e) => [e.op, e.name]), [[op, 'packet_too_large']], `${name} v${version}`);
      assert.ok(failed[0].text.length > 0, 'with a message');
      t.diagnostic(`${name} v${version}: "${failed[0].text}" (${Date.now() - started} ms)`);
      if (FULL) {
        // Exactly at the maximum it goes out whole.
        const at = pattern(VARINT_MAX - publishHeaderLength(shape), 5);
        core.publish(1000, 'big', at, 1, false, false, undefined);
        const bytes = drainTransmit(core);
        assert.strictEqual(bytes.length, 1 + 4 + VARINT_MAX);
        assert.strictEqual(payloadDifference(bytes.subarray(bytes.length - at.length), at), null);
      }
      const small = core.publish(1000, 'w', Uint8Array.of(1), 0, false, false, undefined);
      assert.strictEqual(drainTransmit(core)[0], 0x30, 'a publish after it goes out');
      assert.ok(drainEvents(core).some((e) => e.kind === EV.OP_DONE && e.op === small));
      core.free();
    }
  }
});
