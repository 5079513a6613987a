'use strict';
/**
 * Counts the bytes mpmqtt copies per operation, without changing what ships:
 *
 *  - core: dist/mqtt.wasm rewritten in memory (binaryen) so that its memmove (memcpy is the
 *    same function; it is the one function that calls the `mq_copy` import, which copies
 *    from 256 bytes on) first calls a counting import `mq_count(dst, src, len)`; the client
 *    loads it through its `WebAssembly` option. Small fixed-size moves LLVM turned into plain
 *    loads and stores are not calls and are not counted.
 *  - glue: `set` and `slice` of typed arrays and `ArrayBuffer.prototype.slice`, wrapped while
 *    an operation is measured (what the glue uses to move bytes: js-glue/core/flat-core.js
 *    put/bytesOf/ev_payload, js-glue/platform/common.js exactArrayBuffer). `copyWithin` is
 *    the body of `mq_copy`, already counted as core.
 *
 * The transport is the fake WebSocket of ./fakes.js: its send keeps the ArrayBuffer it is
 * given, so a copy made for sending is the client's.
 */
const fs = require('fs');
const path = require('path');
const mqttPacket = require('mqtt-packet');
const { DIST } = require('./impls');
const { fakeOurs, exactArrayBuffer } = require('./fakes');

const counter = { on: false, loaded: false, core: 0, coreCalls: 0, glue: 0, glueCalls: 0, trace: null };

/** Where a copy was made: the stack of the counting call, when `counter.trace` is an array. */
function traceCopy(side, len) {
  if (!counter.trace) return;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack.split('\n').slice(2);
  Error.stackTraceLimit = limit;
  counter.trace.push({ side, len, stack });
}

/**
 * dist/mqtt.wasm (or `wasm`, a module's bytes: cargo's output with its name section, for
 * bench/copy-callers.js) with the counting call at the top of its memmove.
 */
async function countingWasm(wasm = fs.readFileSync(path.join(DIST, 'mqtt.wasm'))) {
  const { default: binaryen } = await import('binaryen');
  const mod = binaryen.readBinary(wasm);
  let copyImport = null;
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
    if (info.module && info.base === 'mq_copy') copyImport = info.name;
  }
  if (!copyImport) throw new Error('dist/mqtt.wasm imports no mq_copy: the copy counter needs a new anchor');
  // The functions that call mq_copy, from binaryen's text (its API has no call-graph walk).
  const callers = mod
    .emitText()
    .split('\n (func ')
    .slice(1)
    .filter((f) => new RegExp('\\(call \\$' + copyImport.replace(/\$/g, '\\$') + '\\b').test(f))
    .map((f) => /^\$(\S+)/.exec(f)[1]);
  if (callers.length !== 1) throw new Error('expected one function calling mq_copy (memmove), found ' + callers.length);
  const i32 = binaryen.i32;
  mod.addFunctionImport('mq_count', './mpmqtt_bg.js', 'mq_count', binaryen.createType([i32, i32, i32]), binaryen.none);
  const memmove = mod.getFunction(callers[0]);
  const info = binaryen.getFunctionInfo(memmove);
  if (binaryen.expandType(info.params).length !== 3) throw new Error('memmove has ' + binaryen.expandType(info.params).length + ' parameters');
  const counted = mod.block(null, [mod.call('mq_count', [mod.local.get(0, i32), mod.local.get(1, i32), mod.local.get(2, i32)], binaryen.none), info.body], info.results);
  binaryen._BinaryenFunctionSetBody(memmove, counted);
  if (!mod.validate()) throw new Error('the counting wasm does not validate');
  // Names kept (when the input has them) for the stacks of bench/copy-callers.js.
  const debugInfo = binaryen.getDebugInfo();
  binaryen.setDebugInfo(true);
  const bytes = mod.emitBinary();
  binaryen.setDebugInfo(debugInfo);
  mod.dispose();
  return bytes;
}

/** A WebAssembly namespace for the client's option: instantiates the counting module. */
function countingWebAssembly(bytes) {
  return {
    instantiate(_shipped, imports) {
      counter.loaded = true;
      const ns = imports['./mpmqtt_bg.js'];
      if (!ns) throw new Error('the core no longer imports from ./mpmqtt_bg.js');
      const withCount = Object.assign({}, imports, {
        './mpmqtt_bg.js': Object.assign({}, ns, {
          mq_count(dst, src, len) {
            if (!counter.on) return;
            counter.core += len >>> 0;
            counter.coreCalls++;
            traceCopy('core', len >>> 0);
          },
        }),
      });
      return WebAssembly.instantiate(bytes, withCount);
    },
    Module: WebAssembly.Module,
    Instance: WebAssembly.Instance,
    Memory: WebAssembly.Memory,
    compile: WebAssembly.compile,
    validate: WebAssembly.validate,
  };
}

let patched = false;
function patchGlueCopies() {
  if (patched) return;
  patched = true;
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const set = TypedArrayProto.set;
  const slice = TypedArrayProto.slice;
  const abSlice = ArrayBuffer.prototype.slice;
  const note = (n) => {
    if (!counter.on) return;
    counter.glue += n;
    counter.glueCalls++;
    traceCopy('glue', n);
  };
  TypedArrayProto.set = function (source, offset) {
    note(source && source.length >>> 0);
    return set.call(this, source, offset);
  };
  TypedArrayProto.slice = function (start, end) {
    const out = slice.call(this, start, end);
    note(out.byteLength);
    return out;
  };
  ArrayBuffer.prototype.slice = function (start, end) {
    const out = abSlice.call(this, start, end);
    note(out.byteLength);
    return out;
  };
}

/** Runs `fn` (async) with the counters on; resolves to what it copied. */
async function measure(fn) {
  patchGlueCopies();
  counter.core = counter.coreCalls = counter.glue = counter.glueCalls = 0;
  counter.on = true;
  try {
    await fn();
  } finally {
    counter.on = false;
  }
  return { core: counter.core, coreCalls: counter.coreCalls, glue: counter.glue, glueCalls: counter.glueCalls, total: counter.core + counter.glue };
}

/**
 * A connected client on the fake transport with the counting core.
 * @returns {Promise<{publish: Function, receive: Function, end: Function}>}
 */
async function countingClient(extra, wasm) {
  patchGlueCopies();
  const f = await fakeOurs(Object.assign({ WebAssembly: countingWebAssembly(await countingWasm(wasm)) }, extra));
  let nextId = 1;
  const topic = 'copy/budget';
  return {
    /** Copies made from publish() until the packet is handed to the socket. */
    async publish(size, qos) {
      const payload = new Uint8Array(size).fill(0x61);
      const before = f.sink.bytes;
      return measure(async () => {
        const done = f.sink.until(before + size + 1);
        f.client.publish(topic, payload, { qos });
        await done;
      });
    },
    /** Copies made from the first WebSocket message of a PUBLISH to its 'message' event. */
    async receive(size, qos, pieces) {
      const packet = mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(size, 0x62), qos, messageId: qos ? nextId++ : undefined, retain: false, dup: false });
      const cuts = [];
      for (let i = 0; i < pieces; i++) cuts.push(exactArrayBuffer(packet.subarray(Math.floor((packet.length * i) / pieces), Math.floor((packet.length * (i + 1)) / pieces))));
      return measure(async () => {
        const got = new Promise((resolve) => f.client.once('message', (t, p) => resolve(p)));
        for (const c of cuts) f.deliver(c);
        const p = await got;
        if (p.length !== size) throw new Error('received ' + p.length + ' bytes, expected ' + size);
      });
    },
    /**
     * Copies made from the first WebSocket message of `count` PUBLISH packets sent back to
     * back, cut into messages of `messageSize` bytes wherever they fall (one message ends one
     * packet and starts the next), to the last 'message' event.
     */
    async receiveStream(size, qos, count, messageSize) {
      const packets = [];
      for (let i = 0; i < count; i++) packets.push(mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(size, 0x63 + i), qos, messageId: qos ? nextId++ : undefined, retain: false, dup: false }));
      const stream = Buffer.concat(packets);
      const cuts = [];
      for (let at = 0; at < stream.length; at += messageSize) cuts.push(exactArrayBuffer(stream.subarray(at, at + messageSize)));
      return measure(async () => {
        const got = new Promise((resolve, reject) => {
          let left = count;
          const onMessage = (t, p) => {
            if (p.length !== size || p[size - 1] !== 0x63 + count - left) reject(new Error('message ' + (count - left) + ': ' + p.length + ' bytes'));
            if (--left === 0) {
              f.client.removeListener('message', onMessage);
              resolve();
            }
          };
          f.client.on('message', onMessage);
        });
        for (const c of cuts) f.deliver(c);
        await got;
      });
    },
    end: () => new Promise((resolve) => f.client.end(true, {}, () => resolve())),
  };
}

module.exports = { countingWasm, countingClient, measure, counter };

/**
 * The figures the budget is about, from one counting client:
 *   out[qos]        {perByte, fixed}: copies of the payload (bytes copied per payload byte,
 *                   from 64 KiB and 1 MiB publishes) and the bytes copied by a 16 B publish
 *                   beyond its payload
 *   in[qos][pieces] bytes copied per payload byte of a 1 MiB PUBLISH that arrived in
 *                   `pieces` WebSocket messages
 *   inFixed[qos]    bytes copied by a 16 B message beyond its payload (one WebSocket message)
 *   inStream[qos]   bytes copied per payload byte of STREAM.count 1 MiB PUBLISH packets back
 *                   to back in messages of STREAM.messageSize bytes, cut wherever they fall
 *   raw             every measurement, for the report
 */
/** Packets back to back in messages that do not line up with them. */
const STREAM = { count: 3, messageSize: 65536 };

async function copyFigures(pieces = [1, 2, 4, 16, 64]) {
  const c = await countingClient();
  const MIB = 1048576;
  const figures = { out: {}, in: {}, inFixed: {}, inStream: {}, raw: [] };
  try {
    for (const qos of [0, 1]) {
      const small = await c.publish(16, qos);
      const mid = await c.publish(65536, qos);
      const big = await c.publish(MIB, qos);
      // The client keeps the first core a process loads: had another been loaded first, the
      // core's copies would go uncounted and the figures would lie.
      if (!counter.loaded) throw new Error('copy counter: the counting core is not the one loaded (run it in a fresh process)');
      figures.raw.push({ op: 'publish', qos, size: 16, ...small }, { op: 'publish', qos, size: 65536, ...mid }, { op: 'publish', qos, size: MIB, ...big });
      figures.out[qos] = { perByte: (big.total - mid.total) / (MIB - 65536), fixed: small.total - 16 };
      const tiny = await c.receive(16, qos, 1);
      figures.raw.push({ op: 'receive', qos, size: 16, pieces: 1, ...tiny });
      figures.inFixed[qos] = tiny.total - 16;
      figures.in[qos] = {};
      for (const k of pieces) {
        const r = await c.receive(MIB, qos, k);
        figures.raw.push({ op: 'receive', qos, size: MIB, pieces: k, ...r });
        figures.in[qos][k] = r.total / MIB;
      }
      const stream = await c.receiveStream(MIB, qos, STREAM.count, STREAM.messageSize);
      figures.raw.push({ op: 'receive stream', qos, size: MIB, ...STREAM, ...stream });
      figures.inStream[qos] = stream.total / (STREAM.count * MIB);
    }
  } finally {
    await c.end();
  }
  return figures;
}

module.exports.copyFigures = copyFigures;
