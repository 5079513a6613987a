'use strict';
/**
 * 2 MiB payloads cut into WebSocket messages of varied sizes (issue #23: the core writes each
 * message where the packet it belongs to will be reassembled, the first one included, having
 * learnt the packet's length from the message's first bytes). A scripted broker
 * (./sweep-broker.js) sends one stream of packets — small ones around two 2 MiB PUBLISH — cut
 * at places chosen to hit every path: a header split inside its Remaining Length, small
 * packets and the start of a large one in one message, a message ending exactly where a
 * packet ends, one running from a large packet into the next packets, single bytes. The page
 * must get every payload byte for byte, in order, and each QoS 1 message is acknowledged.
 * Test files run it per core (Node loads one core per process); the `wx` transport runs the
 * WeChat core, built without the in-place input (it must give the same result).
 */
const assert = require('node:assert');
const { startSweepBroker, TYPE } = require('./sweep-broker');
const { openDriver } = require('./drivers');
const { publishFrame, pattern, payloadDifference } = require('./wire');

const LARGE = 2 * 1024 * 1024;

/**
 * The stream: [small, small, LARGE, small, LARGE, small], topics in/split/<i>; `qos` for
 * every packet, packet ids from `firstId`. Returns the bytes, each packet's start and the
 * messages expected.
 */
function stream(qos, version, firstId) {
  const sizes = [16, 300, LARGE, 40, LARGE + 1, 5];
  const frames = [];
  const expected = [];
  sizes.forEach((size, i) => {
    const topic = `in/split/${qos}/${i}`;
    const payload = pattern(size, firstId + i);
    frames.push(publishFrame({ topic, qos, id: qos ? firstId + i : 0, version, payload }));
    expected.push({ topic, payload, id: qos ? firstId + i : 0 });
  });
  const starts = [];
  let at = 0;
  for (const f of frames) {
    starts.push(at);
    at += f.length;
  }
  return { bytes: Buffer.concat(frames), starts, expected };
}

/**
 * Cut points (absolute offsets) for the schedules of the test. `starts[2]`, `starts[4]`: the
 * large packets.
 */
function schedules({ bytes, starts }) {
  const end = bytes.length;
  const [, , a, afterA, b] = starts;
  const cycle = (sizes) => {
    const cuts = [];
    for (let at = 0, i = 0; at < end; i++) cuts.push((at += sizes[i % sizes.length]));
    return cuts;
  };
  return {
    // Sizes that never line up with packets: odd, tiny, large, one over a power of two.
    'varied sizes': cycle([1, 3, 2, 7, 100, 65536, 4099, 300001, 13, 1048577, 5, 777777]),
    // Small packets and the first 6 bytes of a large one (its whole fixed header), the rest in
    // three unequal messages ending where it ends; then the next small packet and 2 bytes of
    // the second large one (its header split inside the Remaining Length), its rest in 64 KiB
    // messages, the last running on into the final small packet.
    'small packets with the start of a large one': [a + 6, a + 1000, a + 700000, afterA, b + 2, ...cycle([65536]).map((c) => b + 2 + c).filter((c) => c < end)],
    // Every large packet's first message holds exactly its fixed header and nothing more,
    // then one message of all the rest but one byte, then that byte.
    'header alone, then all but one byte': [a, a + 5, afterA - 1, afterA, b, b + 5, end - 7, end - 6],
  };
}

/** Sends `bytes` as WebSocket messages cut at `cuts`. */
function sendCut(conn, bytes, cuts) {
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length]) {
    if (cut > from) conn.send(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
}

/** Registers the test for one core and the given transports (node:test). */
function registerSplitMessages(test, core, transports, skip) {
  for (const transport of transports) {
    test(`2 MiB payloads in WebSocket messages of varied sizes reach the page byte for byte, ${core} core, ${transport}`, { skip, timeout: 180000 }, async (t) => {
      const broker = await startSweepBroker();
      const driver = await openDriver(transport, core, broker.url);
      try {
        let nextId = 1;
        for (const version of [4, 5]) {
          const index = broker.connections.length;
          driver.start({ protocolVersion: version, clientId: `split-${transport}-${core}-${version}`, keepalive: 60 });
          const conn = await broker.connection(index);
          await conn.waitFor(() => driver.connected(), 10000, 'the client to see its CONNACK');
          for (const qos of [0, 1]) {
            const s = stream(qos, version, nextId);
            for (const [name, cuts] of Object.entries(schedules(s))) {
              await t.test(`v${version === 5 ? '5.0' : '3.1.1'} QoS ${qos}, ${name}`, async () => {
                driver.got.length = 0;
                const acked = conn.packets.length;
                sendCut(conn, s.bytes, cuts);
                await conn.waitFor(() => driver.got.length >= s.expected.length, 60000, `the page to get ${s.expected.length} messages`);
                assert.deepStrictEqual(Array.from(driver.got, (m) => m.topic), s.expected.map((e) => e.topic), 'each message once, in order');
                s.expected.forEach((e, i) => {
                  assert.strictEqual(driver.got[i].qos, qos);
                  assert.strictEqual(payloadDifference(driver.got[i].payload, e.payload), null, `${e.topic}: ${JSON.stringify(payloadDifference(driver.got[i].payload, e.payload))}`);
                });
                if (qos === 1) {
                  const ids = () => conn.packets.slice(acked).filter((p) => p.type === TYPE.PUBACK).map((p) => p.parsed.messageId);
                  await conn.waitFor(() => ids().length >= s.expected.length, 5000, 'a PUBACK for each');
                  assert.deepStrictEqual(ids(), s.expected.map((e) => e.id));
                }
                assert.deepStrictEqual(driver.errors, []);
              });
            }
            nextId += s.expected.length;
          }
          await driver.stop();
        }
        driver.check();
      } finally {
        await driver.stop();
        await driver.close();
        await broker.stop();
      }
    });
  }
}

module.exports = { registerSplitMessages, stream, schedules };
