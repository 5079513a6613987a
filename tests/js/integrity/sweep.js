'use strict';
/**
 * The boundary sweep (issue 18): PUBLISH packets whose Remaining Length sits on both sides of
 * every change in its encoded size, and larger ones, in both directions, through every
 * transport, compared byte for byte; and v5 Maximum Packet Size exactly at and one byte over
 * those sizes, both directions. The test files run it for one core each (Node loads one core
 * per process).
 *
 * MPMQTT_SWEEP=full runs the whole cross product (sizes up to 16 MiB × QoS 0/1/2 × 3.1.1/5.0 ×
 * one or 64 KiB WebSocket messages × every transport); the default is a cross-section that
 * still gives every transport and both cores the 2 MiB boundary and a payload past it.
 * MPMQTT_SWEEP_REPORT=<file> appends one JSON line per case (for docs/reliability.md).
 */
const fs = require('fs');
const assert = require('node:assert');
const { startSweepBroker, TYPE } = require('./sweep-broker');
const { openDriver, TRANSPORTS } = require('./drivers');
const { RL_BOUNDARIES, varintLength, publishHeaderLength, payloadForRemainingLength, packetSize, publishFrame, pattern, payloadDifference } = require('./wire');

const FULL = process.env.MPMQTT_SWEEP === 'full';
const MESSAGE = 64 * 1024;
/** The payload of the report in issue 18 (a QoS 1 PUBLISH in 64 KiB messages came out shifted). */
const ISSUE_PAYLOAD = 2200001;
const MiB = 1024 * 1024;

const TWO_21 = 2 ** 21;

/**
 * The cases for one transport and core: {dir: 'in'|'out', version, qos, rl | payload, split,
 * parity}. `rl` aims the packet's Remaining Length, `payload` its payload size (with `parity`
 * the payload's offset in the packet: 'odd' or 'even', which decides whether its pointer in the
 * core is odd — the packed slice of issue 18 lost the low bit of odd pointers from 2^21 bytes).
 * `split` (inbound only) is the WebSocket message size, 0 for the whole packet in one message.
 */
function plan(transport) {
  const cases = [];
  const slices = [TWO_21 - 1, TWO_21, TWO_21 + 1].flatMap((payload) => ['odd', 'even'].map((parity) => ({ payload, parity })));
  if (FULL) {
    const targets = [...RL_BOUNDARIES.map((rl) => ({ rl })), ...slices, { payload: ISSUE_PAYLOAD }, { rl: 4 * MiB }, { rl: 16 * MiB }];
    for (const version of [4, 5])
      for (const qos of [0, 1, 2])
        for (const target of targets) {
          for (const split of [MESSAGE, 0]) cases.push({ dir: 'in', version, qos, split, ...target });
          cases.push({ dir: 'out', version, qos, ...target });
        }
    return cases;
  }
  // Every Remaining Length boundary both ways, both protocol versions; QoS rotates so each
  // direction and version sees all three; the 2 MiB boundary also arrives in one message.
  const shift = TRANSPORTS.indexOf(transport);
  for (const version of [4, 5]) {
    RL_BOUNDARIES.forEach((rl, i) => {
      const qos = (i + version + shift) % 3;
      cases.push({ dir: 'in', version, qos, rl, split: MESSAGE });
      if (rl >= 2097151) cases.push({ dir: 'in', version, qos: (qos + 1) % 3, rl, split: 0 });
      cases.push({ dir: 'out', version, qos: (qos + 1) % 3, rl });
    });
  }
  // Payloads of 2^21 − 1, 2^21 and 2^21 + 1 bytes at odd and even offsets, and the size of the
  // report, inbound; 2^21 + 1 outbound.
  const version = 4 + (shift % 2);
  slices.forEach((target, i) => cases.push({ dir: 'in', version: i % 2 ? 9 - version : version, qos: (i + shift) % 3, split: i === 4 ? 0 : MESSAGE, ...target }));
  cases.push({ dir: 'in', version, qos: 1, payload: ISSUE_PAYLOAD, split: MESSAGE });
  cases.push({ dir: 'out', version: 9 - version, qos: (shift + 1) % 3, payload: TWO_21 + 1, parity: 'odd' });
  return cases;
}

/**
 * The topic, payload size and Remaining Length of case `c`, number `n` on transport `name`.
 * A topic gets one more character when the payload's offset must change parity.
 */
function shapeCase(c, name, n) {
  let topic = `${c.dir}/${name}/${n}`;
  const sizes = (t) => {
    const shape = { topic: t, qos: c.qos, version: c.version };
    const size = c.payload !== undefined ? c.payload : payloadForRemainingLength(c.rl, shape);
    const rl = publishHeaderLength(shape) + size;
    const offset = 1 + varintLength(rl) + rl - size;
    return { topic: t, size, rl, offset };
  };
  let s = sizes(topic);
  if (c.parity && (s.offset % 2 === 1) !== (c.parity === 'odd')) s = sizes(topic + 'p');
  return s;
}

/** Remaining Length read from a raw packet. */
function remainingLengthOf(raw) {
  let value = 0;
  for (let i = 1, mult = 1; i <= 4; i++, mult *= 128) {
    value += (raw[i] & 127) * mult;
    if (!(raw[i] & 128)) return value;
  }
  throw new Error('malformed Remaining Length');
}

const timeoutFor = (size) => 20000 + Math.ceil(size / 20000);

function describe(c, { size, rl, offset }) {
  const where = c.dir === 'in' ? (c.split ? `in ${c.split / 1024} KiB messages` : 'in one message') : 'out';
  return `${where}, v${c.version === 5 ? '5.0' : '3.1.1'} QoS ${c.qos}, Remaining Length ${rl} (${varintLength(rl)} B), payload ${size} at offset ${offset}`;
}

/** Shared state of one transport × core run: the broker, the driver, its current connection. */
class Session {
  constructor(broker, driver) {
    this.broker = broker;
    this.driver = driver;
    this.connack = {};
    broker.onConnect = () => this.connack;
    this.conn = null;
    this.version = null;
    this.clientOptions = null;
    this.count = 0;
    this.nextId = 1;
  }

  /** A fresh client with `options`, connected; `connack`: the broker's v5 CONNACK properties. */
  async connect(version, { clientProperties, connack = {} } = {}) {
    await this.driver.stop();
    if (this.conn) await this.conn.waitFor(() => this.conn.closed, 5000, 'the previous connection to close');
    this.connack = connack;
    const index = this.broker.connections.length;
    this.driver.start({ protocolVersion: version, clientId: `sweep-${this.driver.name}-${this.driver.core}`, keepalive: 60, properties: clientProperties });
    this.conn = await this.broker.connection(index);
    await this.conn.waitFor(() => this.conn.packets.some((p) => p.type === TYPE.CONNECT), 10000, 'CONNECT');
    await this.conn.waitFor(() => this.driver.connected(), 10000, 'the client to see its CONNACK');
    this.version = version;
    this.clientOptions = clientProperties;
  }

  async ensure(version) {
    if (this.version !== version || this.clientOptions || !this.driver.connected() || this.conn.closed) await this.connect(version);
  }

  /** The broker sends a PUBLISH of `size` payload bytes; resolves with what the page got. */
  async sendInbound({ version, qos, size, split, topic, wait = true }) {
    const n = topic ? this.count : ++this.count;
    topic = topic || `in/${this.driver.name}/${n}`;
    const payload = pattern(size, n);
    const id = qos ? this.nextId++ : 0;
    if (this.nextId > 65535) this.nextId = 1;
    const frame = publishFrame({ topic, qos, id, version, payload });
    this.conn.sendInMessages(frame, split);
    if (!wait) return { topic, payload, frame, id };
    const got = await this.conn.waitFor(() => this.driver.got.find((m) => m.topic === topic), timeoutFor(size), `the page to receive ${topic}`);
    return { topic, payload, frame, id, got };
  }
}

async function inboundCase(s, c, shaped) {
  const { topic, payload, frame, id, got } = await s.sendInbound({ version: c.version, qos: c.qos, size: shaped.size, split: c.split, topic: shaped.topic });
  assert.strictEqual(remainingLengthOf(frame), shaped.rl, 'the hand-built frame has the intended Remaining Length');
  assert.strictEqual(frame.length - payload.length, shaped.offset, 'the payload starts where intended');
  assert.strictEqual(got.qos, c.qos);
  const diff = payloadDifference(got.payload, payload);
  assert.strictEqual(diff, null, `payload differs: ${JSON.stringify(diff)}`);
  const conn = s.conn;
  const ackOf = (type) => conn.packets.find((p) => p.type === type && p.parsed && p.parsed.messageId === id);
  if (c.qos === 1) await conn.waitFor(() => ackOf(TYPE.PUBACK), 5000, `PUBACK ${id}`);
  if (c.qos === 2) await conn.waitFor(() => ackOf(TYPE.PUBREC) && ackOf(TYPE.PUBCOMP), 5000, `PUBREC and PUBCOMP ${id}`);
  assert.strictEqual(s.driver.got.filter((m) => m.topic === topic).length, 1, 'delivered once');
  s.driver.got.length = 0;
}

async function outboundCase(s, c, { topic, size, rl }) {
  const n = s.count;
  const result = await s.driver.publish(topic, size, n, c.qos);
  assert.strictEqual(result, null, `the publish callback reported ${JSON.stringify(result)}`);
  const [packet] = await s.conn.waitFor(() => s.conn.publishesTo(topic).length && s.conn.publishesTo(topic), timeoutFor(size), `the broker to receive ${topic}`);
  const payload = pattern(size, n);
  assert.strictEqual(packet.parsed.qos, c.qos);
  const diff = payloadDifference(packet.parsed.payload, payload);
  assert.strictEqual(diff, null, `mqtt-packet reads a different payload: ${JSON.stringify(diff)}`);
  const expected = publishFrame({ topic, qos: c.qos, id: packet.parsed.messageId || 0, version: c.version, payload });
  assert.strictEqual(packet.remainingLength, rl, 'the Remaining Length the sweep aimed at');
  assert.ok(packet.raw.equals(expected), `the packet's bytes differ from the hand-built PUBLISH: ${JSON.stringify(payloadDifference(packet.raw, expected))}`);
  assert.strictEqual(s.conn.publishesTo(topic).length, 1, 'sent once');
}

/**
 * v5 Maximum Packet Size, inbound (the client's property) and outbound (the broker's CONNACK
 * property), for a PUBLISH of Remaining Length `rl`:
 *  - limit = its size: it passes; the next larger PUBLISH does not;
 *  - limit = its size − 1 (exactly one byte over): it does not; the one below it passes.
 * Inbound, the client must drop the connection with DISCONNECT 0x95 (MQTT 5.0 §3.1.2.11.4)
 * and deliver nothing; outbound, the publish fails with an error naming the limit and nothing
 * is sent, the connection stays up.
 */
async function maxPacketSizeCase(s, rl, dir) {
  const qos = 1;
  const shape = (t) => ({ topic: t, qos, version: 5 });
  for (const [limit, fits, over] of [
    [packetSize(rl), rl, rl + 1],
    [packetSize(rl) - 1, rl - 1, rl],
  ]) {
    if (dir === 'in') {
      await s.connect(5, { clientProperties: { maximumPacketSize: limit } });
      const probe = `in/${s.driver.name}/${s.count + 1}`;
      const size = payloadForRemainingLength(fits, shape(probe));
      const ok = await s.sendInbound({ version: 5, qos, size, split: MESSAGE });
      assert.ok(ok.frame.length <= limit);
      assert.strictEqual(payloadDifference(ok.got.payload, ok.payload), null, `at limit ${limit}: a ${ok.frame.length}-byte PUBLISH arrives intact`);
      const bigTopic = `in/${s.driver.name}/${s.count + 1}`;
      const big = await s.sendInbound({ version: 5, qos, size: payloadForRemainingLength(over, shape(bigTopic)), split: MESSAGE, wait: false });
      assert.strictEqual(big.frame.length - limit, over === rl ? 1 : packetSize(over) - limit);
      const conn = s.conn;
      const disconnect = await conn.waitFor(() => conn.packets.find((p) => p.type === TYPE.DISCONNECT), 10000, `DISCONNECT for a ${big.frame.length}-byte PUBLISH over the limit ${limit}`);
      assert.strictEqual(disconnect.parsed.reasonCode, 0x95, 'DISCONNECT reason Packet too large');
      await conn.waitFor(() => conn.closed, 5000, 'the client to close the connection');
      assert.ok(!s.driver.got.some((m) => m.topic === big.topic), 'the oversized PUBLISH is not delivered');
      s.driver.got.length = 0;
    } else {
      await s.connect(5, { connack: { maximumPacketSize: limit } });
      const send = async (target) => {
        const n = ++s.count;
        const topic = `out/${s.driver.name}/${n}`;
        const size = payloadForRemainingLength(target, shape(topic));
        return { topic, n, size, result: await s.driver.publish(topic, size, n, qos) };
      };
      const a = await send(fits);
      assert.strictEqual(a.result, null, `within the limit ${limit}: ${JSON.stringify(a.result)}`);
      const [got] = s.conn.publishesTo(a.topic);
      assert.ok(got && got.raw.length <= limit && got.raw.length >= limit - 2, 'the PUBLISH within the limit was sent');
      assert.strictEqual(payloadDifference(got.parsed.payload, pattern(a.size, a.n)), null);
      const b = await send(over);
      assert.ok(b.result, `a PUBLISH over the broker's limit ${limit} is refused`);
      assert.strictEqual(b.result.code, 'packet_too_large', JSON.stringify(b.result));
      assert.match(b.result.message, /Maximum Packet Size/);
      // Anything sent after it arrives, and it never does: it was not sent.
      const c = await send(50);
      assert.strictEqual(c.result, null);
      assert.strictEqual(s.conn.publishesTo(b.topic).length, 0, 'the refused PUBLISH never reached the broker');
      assert.ok(s.driver.connected(), 'the connection stays up');
    }
  }
}

function report(row) {
  if (process.env.MPMQTT_SWEEP_REPORT) fs.appendFileSync(process.env.MPMQTT_SWEEP_REPORT, JSON.stringify(row) + '\n');
}

/** Registers the sweep's tests for one core (node:test). */
function registerSweep(test, core, skip) {
  for (const transport of TRANSPORTS) {
    test(`boundary sweep, ${core} core, ${transport}`, { skip, timeout: FULL ? 3600000 : 120000 }, async (t) => {
      const broker = await startSweepBroker();
      const driver = await openDriver(transport, core, broker.url);
      const s = new Session(broker, driver);
      const failures = [];
      try {
        for (const c of plan(transport)) {
          const shaped = shapeCase(c, transport, ++s.count);
          const name = describe(c, shaped);
          const row = { core, transport, ...c, rl: shaped.rl, size: shaped.size, offset: shaped.offset };
          const started = Date.now();
          await t.test(name, async () => {
            await s.ensure(c.version);
            try {
              if (c.dir === 'in') await inboundCase(s, c, shaped);
              else await outboundCase(s, c, shaped);
              report({ ...row, ok: true, ms: Date.now() - started });
            } catch (e) {
              failures.push(name);
              report({ ...row, ok: false, error: e.message.slice(0, 300) });
              s.driver.got.length = 0;
              throw e;
            }
          });
        }
        const limits = transport === 'node' || FULL ? RL_BOUNDARIES : RL_BOUNDARIES.filter((rl) => rl >= 2097151);
        for (const dir of ['in', 'out'])
          for (const rl of limits) {
            const name = `v5 Maximum Packet Size ${dir === 'in' ? 'of the client, inbound' : 'of the broker, outbound'}: exactly at and one byte over a PUBLISH of Remaining Length ${rl}`;
            const started = Date.now();
            await t.test(name, async () => {
              try {
                await maxPacketSizeCase(s, rl, dir);
                report({ core, transport, dir, maximumPacketSize: packetSize(rl), rl, ok: true, ms: Date.now() - started });
              } catch (e) {
                failures.push(name);
                report({ core, transport, dir, maximumPacketSize: packetSize(rl), rl, ok: false, error: e.message.slice(0, 300) });
                throw e;
              }
            });
          }
        driver.check();
      } finally {
        if (failures.length) t.diagnostic(`${failures.length} failing: ${failures.join(' | ')}`);
        await driver.stop();
        await driver.close();
        await broker.stop();
      }
    });
  }
}

module.exports = { registerSweep, plan };
