'use strict';
/**
 * One memory measurement in a fresh process (run with --expose-gc by bench/memory.js):
 *
 *   node --expose-gc bench/memory-child.js IMPL MESSAGES INFLIGHT
 *
 * The client (fake transport, bench/lib/fakes.js) publishes MESSAGES QoS 0 messages of 16 B
 * and receives as many; then publishes INFLIGHT QoS 1 messages that stay unacknowledged;
 * then gets all their PUBACKs. After each phase: two full GCs, then Node's heap, its
 * external/ArrayBuffer memory and, for mpmqtt, the wasm instance's linear memory
 * (WebAssembly.Memory.buffer.byteLength, reached through the client's `WebAssembly`
 * option). Prints one JSON line.
 */
const mqttPacket = require('mqtt-packet');
const { FAKES } = require('./lib/fakes');

const [impl, messagesArg, inflightArg] = process.argv.slice(2);
const MESSAGES = Number(messagesArg);
const INFLIGHT = Number(inflightArg);
const BATCH = 10000;
const TOPIC = 'bench/mem/topic';

let wasmMemory = null;
/** A WebAssembly namespace that remembers the instance's memory export. */
const watchedWebAssembly = {
  instantiate(bytes, imports) {
    return WebAssembly.instantiate(bytes, imports).then((result) => {
      const exports = (result.instance || result).exports;
      if (exports.memory instanceof WebAssembly.Memory) wasmMemory = exports.memory;
      return result;
    });
  },
};

function snapshot() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return {
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    wasm: wasmMemory ? wasmMemory.buffer.byteLength : 0,
  };
}

function idsOf(chunks, cmd) {
  const ids = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => p.cmd === cmd && ids.push(p.messageId));
  for (const c of chunks) parser.parse(c);
  return ids;
}

async function main() {
  // maxInflight: all INFLIGHT publishes go out unacknowledged, as with MQTT.js (which has no
  // window); the default 20 would keep the rest in the offline queue.
  const f = await FAKES[impl](impl === 'ours' ? { WebAssembly: watchedWebAssembly, maxInflight: Math.max(20, INFLIGHT) } : {});
  if (impl === 'ours' && !wasmMemory) throw new Error('the wasm memory was not reached through the WebAssembly option');
  const payload = Buffer.alloc(16, 0x6d);
  const frameLen = mqttPacket.generate({ cmd: 'publish', topic: TOPIC, payload, qos: 0 }).length;
  const incoming = f.prepare(mqttPacket.generate({ cmd: 'publish', topic: TOPIC, payload, qos: 0 }));
  let received = 0;
  let waitFor = null;
  f.client.on('message', () => {
    received++;
    if (waitFor && received >= waitFor.n) waitFor.resolve();
  });
  const out = { impl, messages: MESSAGES, inflight: INFLIGHT };
  out.before = snapshot();
  let peakHeap = 0;
  for (let done = 0; done < MESSAGES; done += BATCH) {
    const n = Math.min(BATCH, MESSAGES - done);
    const base = f.sink.bytes;
    for (let i = 0; i < n; i++) f.client.publish(TOPIC, payload, { qos: 0 });
    await f.sink.until(base + n * frameLen);
    const target = received + n;
    const got = new Promise((resolve) => {
      waitFor = { n: target, resolve };
    });
    for (let i = 0; i < n; i++) f.deliver(incoming);
    if (received < target) await got;
    waitFor = null;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  out.afterQos0 = snapshot();
  out.peakHeapQos0 = peakHeap;

  // QoS 1 in flight: no PUBACK until all are out.
  f.sink.keep = true;
  f.sink.chunks = [];
  let acked = 0;
  let allAcked;
  const acks = new Promise((resolve) => {
    allAcked = resolve;
  });
  const base = f.sink.bytes;
  const qos1Len = mqttPacket.generate({ cmd: 'publish', topic: TOPIC, payload, qos: 1, messageId: 1 }).length;
  for (let i = 0; i < INFLIGHT; i++) {
    f.client.publish(TOPIC, payload, { qos: 1 }, (err) => {
      if (err) throw err;
      if (++acked === INFLIGHT) allAcked();
    });
  }
  await f.sink.until(base + INFLIGHT * qos1Len);
  out.inflight1 = snapshot();
  f.sink.keep = false;
  const ids = idsOf(f.sink.chunks, 'publish');
  f.sink.chunks = [];
  if (ids.length !== INFLIGHT) throw new Error(impl + ' sent ' + ids.length + ' QoS 1 publishes, expected ' + INFLIGHT);
  for (const id of ids) f.deliver(f.prepare(Buffer.from([0x40, 2, id >> 8, id & 0xff])));
  await acks;
  out.afterAcks = snapshot();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

// A wait that nothing can end (a window holding publishes back, say) empties the event loop:
// say so instead of exiting 0 without a figure.
process.on('beforeExit', () => {
  console.error('memory-child ' + impl + ': stopped waiting with nothing left to run (publishes held back?)');
  process.exit(1);
});

main().catch((err) => {
  process.stderr.write('memory-child ' + impl + ': ' + (err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
