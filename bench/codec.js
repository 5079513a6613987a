'use strict';
/**
 * Codec cost as a page pays it, through the client's API on a fake transport (no socket):
 *
 *   PUBLISH encode   client.publish(topic, payload, {qos: 0}) → bytes handed to the transport
 *   PUBLISH decode   one WebSocket message holding a PUBLISH → the client's 'message' event
 *   SUBSCRIBE encode client.subscribe(topic, {qos: 1}) → bytes out (20 outstanding at a time)
 *   SUBACK decode    the SUBACK bytes in → the subscribe callback
 *
 * For mpmqtt this crosses the JS/wasm boundary both ways (the payload is copied into linear
 * memory and back out); MQTT.js 5 runs the same calls on a fake stream. The anchor is
 * mqtt-packet alone (generate / parser.parse), the codec MQTT.js uses, with no client logic.
 * Each repetition times a batch of `n` operations until the last byte or event arrived.
 */
const mqttPacket = require('mqtt-packet');
const { FAKES } = require('./lib/fakes');

const SIZES = { '16 B': 16, '1 KiB': 1024, '64 KiB': 65536 };
const TOPIC = 'bench/codec/topic';
/** SUBSCRIBEs outstanding at once in the SUBSCRIBE/SUBACK case. */
const BATCH_SUBS = 20;

function batchFor(size, quick) {
  const n = size > 8192 ? 1500 : 20000;
  return quick ? Math.ceil(n / 4) : n;
}

function nsPerOp(t0, n) {
  return Number(process.hrtime.bigint() - t0) / n;
}

/** The MQTT.js-shaped packet both anchors and clients produce for a QoS 0 publish. */
function publishPacket(payload) {
  return { cmd: 'publish', topic: TOPIC, payload, qos: 0, retain: false, dup: false };
}

// ---- clients on a fake transport ------------------------------------------------------

async function clientPublishEncode(impl, size, n) {
  const f = await FAKES[impl]();
  const payload = Buffer.alloc(size, 0x63);
  const frameLen = mqttPacket.generate(publishPacket(payload)).length;
  try {
    const base = f.sink.bytes;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f.client.publish(TOPIC, payload, { qos: 0 });
    await f.sink.until(base + n * frameLen);
    return nsPerOp(t0, n);
  } finally {
    f.client.end(true);
  }
}

async function clientPublishDecode(impl, size, n) {
  const f = await FAKES[impl]();
  const frame = f.prepare(mqttPacket.generate(publishPacket(Buffer.alloc(size, 0x64))));
  try {
    let count = 0;
    let done;
    const all = new Promise((resolve) => {
      done = resolve;
    });
    f.client.on('message', (topic, payload) => {
      if (payload.length !== size) throw new Error('decoded payload of ' + payload.length + ' bytes, expected ' + size);
      if (++count === n) done();
    });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f.deliver(frame);
    await all;
    return nsPerOp(t0, n);
  } finally {
    f.client.end(true);
  }
}

/** Message ids of the SUBSCRIBE packets a client sent (parsed after the timed part). */
function subscribeIds(chunks) {
  const ids = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => p.cmd === 'subscribe' && ids.push(p.messageId));
  parser.on('error', (e) => {
    throw e;
  });
  for (const c of chunks) parser.parse(c);
  return ids;
}

/**
 * SUBSCRIBE out and SUBACK in, `BATCH_SUBS` outstanding at a time over as many distinct
 * topics, as a page subscribing to a handful of topics would: thousands outstanding would
 * measure the engine's request tables (linear, sized for a handful) instead of the codec.
 * @returns {Promise<{encode: number, decode: number}>} ns per SUBSCRIBE, per SUBACK
 */
async function clientSubscribe(impl, n) {
  const f = await FAKES[impl]({ resubscribe: false });
  const topics = [];
  for (let i = 0; i < BATCH_SUBS; i++) topics.push('bench/codec/sub/' + i);
  const batchBytes = topics.reduce((sum, t) => sum + mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: t, qos: 1 }] }).length, 0);
  let encodeNs = 0;
  let decodeNs = 0;
  let acked = 0;
  let waiter = null;
  const cb = (err) => {
    if (err) throw err;
    acked++;
    if (waiter && acked >= waiter.n) waiter.resolve();
  };
  try {
    for (let done = 0; done < n; done += BATCH_SUBS) {
      f.sink.keep = true;
      f.sink.chunks = [];
      const base = f.sink.bytes;
      let t0 = process.hrtime.bigint();
      for (let i = 0; i < BATCH_SUBS; i++) f.client.subscribe(topics[i], { qos: 1 }, cb);
      await f.sink.until(base + batchBytes);
      encodeNs += Number(process.hrtime.bigint() - t0);
      f.sink.keep = false;
      const ids = subscribeIds(f.sink.chunks);
      if (ids.length !== BATCH_SUBS) throw new Error(impl + ' sent ' + ids.length + ' SUBSCRIBE packets, expected ' + BATCH_SUBS);
      const subacks = ids.map((id) => f.prepare(Buffer.from([0x90, 3, id >> 8, id & 0xff, 1])));
      const target = acked + BATCH_SUBS;
      const all = new Promise((resolve) => {
        waiter = { n: target, resolve };
      });
      t0 = process.hrtime.bigint();
      for (let i = 0; i < BATCH_SUBS; i++) f.deliver(subacks[i]);
      if (acked < target) await all;
      decodeNs += Number(process.hrtime.bigint() - t0);
    }
    const batches = Math.ceil(n / BATCH_SUBS) * BATCH_SUBS;
    return { encode: encodeNs / batches, decode: decodeNs / batches };
  } finally {
    f.client.end(true);
  }
}

// ---- mqtt-packet alone ------------------------------------------------------------------

function packetGenerate(packet, n) {
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) bytes += mqttPacket.generate(packet).length;
  if (!bytes) throw new Error('mqtt-packet generated nothing');
  return nsPerOp(t0, n);
}

function packetParse(frame, n) {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let count = 0;
  parser.on('packet', () => count++);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) parser.parse(frame);
  const ns = nsPerOp(t0, n);
  if (count !== n) throw new Error('mqtt-packet parsed ' + count + ' of ' + n);
  return ns;
}

async function run(ctx) {
  const impls = ctx.impls.filter((i) => FAKES[i]);
  const res = {};
  const add = (key, who, v) => {
    res[key] = res[key] || {};
    (res[key][who] = res[key][who] || []).push(v);
  };
  const subN = ctx.quick ? 1000 : 5000;
  // One untimed pass so the first repetition does not pay for JIT compilation.
  for (const impl of impls) {
    for (const size of Object.values(SIZES)) {
      await clientPublishEncode(impl, size, 200);
      await clientPublishDecode(impl, size, 200);
    }
    await clientSubscribe(impl, 200);
  }
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const label of Object.keys(SIZES)) {
      const size = SIZES[label];
      const n = batchFor(size, ctx.quick);
      const payload = Buffer.alloc(size, 0x65);
      for (const impl of impls) {
        add('PUBLISH ' + label + ' encode', impl, await clientPublishEncode(impl, size, n));
        add('PUBLISH ' + label + ' decode', impl, await clientPublishDecode(impl, size, n));
      }
      add('PUBLISH ' + label + ' encode', 'mqtt-packet', packetGenerate(publishPacket(payload), n));
      add('PUBLISH ' + label + ' decode', 'mqtt-packet', packetParse(mqttPacket.generate(publishPacket(payload)), n));
    }
    for (const impl of impls) {
      const r = await clientSubscribe(impl, subN);
      add('SUBSCRIBE encode', impl, r.encode);
      add('SUBACK decode', impl, r.decode);
    }
    add('SUBSCRIBE encode', 'mqtt-packet', packetGenerate({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'bench/codec/sub/1234', qos: 1 }] }, subN));
    add('SUBACK decode', 'mqtt-packet', packetParse(Buffer.from([0x90, 3, 0, 7, 1]), subN));
    ctx.log('codec rep ' + (rep + 1) + '/' + ctx.reps + ': PUBLISH 16 B decode ' + Object.entries(res['PUBLISH 16 B decode']).map(([k, v]) => k + ' ' + Math.round(v[rep]) + ' ns').join(', '));
  }
  return Object.keys(res).map((key) => ({
    section: 'Codec through the API, fake transport, ns/op',
    name: key,
    unit: 'ns/op',
    better: 'lower',
    values: res[key],
  }));
}

module.exports = { run, clientPublishEncode, clientPublishDecode, clientSubscribe };
