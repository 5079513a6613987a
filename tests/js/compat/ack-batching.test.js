'use strict';
/**
 * Acknowledgements of socket input leave at the end of the job (issue #23, docs/performance.md):
 * a burst of N messages the broker sends as N WebSocket messages in one TCP write is read in
 * one turn, and every PUBACK (QoS 1) or PUBREC then PUBCOMP (QoS 2) it calls for leaves in one
 * WebSocket message, with the publishes the page's 'message' handlers made, instead of one
 * WebSocket message each. Side by side with MQTT.js 5.16, which writes one per packet through
 * its stream: we send no more WebSocket messages than it does, and every acknowledgement, in
 * order.
 */
const test = require('node:test');
const assert = require('node:assert');
const { bundleMissing, sideBySide, acceptAll, waitFor, sleep } = require('./helpers');

const skip = bundleMissing;

/** One unmasked binary WebSocket frame (server to client) around `payload`. */
function frame(payload) {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x82, n]) : Buffer.from([0x82, 126, n >> 8, n & 0xff]);
  return Buffer.concat([header, payload]);
}

/** Writes `packets` (mqtt-packet objects) as one WebSocket message each, all in one TCP write. */
function oneWrite(conn, packets) {
  conn.ws._socket.write(Buffer.concat(packets.map((p) => frame(conn.packet(p)))));
}

const publishes = (qos, count) => Array.from({ length: count }, (_, i) => ({ cmd: 'publish', topic: 't', payload: Buffer.from('m' + (i + 1)), qos, messageId: i + 1, retain: false, dup: false }));

/**
 * Connects, then has the broker send `count` QoS `qos` messages in one TCP write (QoS 2: then
 * their PUBRELs, once every PUBREC is in, in one more); the page's handler publishes a QoS 0
 * reply when `reply`. Returns {messages: WebSocket messages the client sent for the burst,
 * packets: what they held, delivered: payloads the page got}.
 */
function burstRun(qos, count, reply) {
  return async ({ mqtt, broker }) => {
    const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    client.on('error', () => {});
    const delivered = [];
    client.on('message', (topic, message) => {
      delivered.push(message.toString());
      if (reply) client.publish('r', 'r' + message);
    });
    await waitFor(() => client.connected && broker.connections[0], 'connect');
    const conn = broker.connections[0];
    await sleep(20);
    const before = conn.received.length;
    let messages = 0;
    conn.ws.on('message', () => messages++);
    oneWrite(conn, publishes(qos, count));
    const wanted = (qos === 2 ? 2 : 1) * count + (reply ? count : 0);
    if (qos === 2) {
      await waitFor(() => conn.received.filter((p) => p.cmd === 'pubrec').length === count, 'pubrecs');
      oneWrite(conn, publishes(qos, count).map((p) => ({ cmd: 'pubrel', messageId: p.messageId })));
    }
    await waitFor(() => conn.received.length - before >= wanted && delivered.length === count, 'acknowledgements');
    await sleep(50); // anything more would show here
    const packets = conn.received.slice(before).map((p) => p.cmd + (p.messageId ? ' ' + p.messageId : '') + (p.cmd === 'publish' ? ' ' + p.payload : ''));
    await new Promise((resolve) => client.end(resolve));
    return { messages, packets, delivered };
  };
}

/** The packets `lib` sends for the burst, in order (MQTT.js: ack after the handler's reply). */
function expectedPackets(qos, count, reply, ackFirst) {
  const out = [];
  for (let id = 1; id <= count; id++) {
    const ack = (qos === 1 ? 'puback ' : 'pubrec ') + id;
    const answer = reply ? ['publish r' + 'm' + id] : [];
    out.push(...(ackFirst ? [ack, ...answer] : [...answer, ack]));
  }
  for (let id = 1; qos === 2 && id <= count; id++) out.push('pubcomp ' + id);
  return out;
}

for (const qos of [1, 2]) {
  for (const reply of [false, true]) {
    test(`QoS ${qos} burst of N WebSocket messages read in one turn${reply ? ', each answered by a publish from its handler' : ''}: one WebSocket message per turn, every packet in order, no more than MQTT.js`, { skip, timeout: 60000 }, async (t) => {
      for (const count of [1, 2, 10, 100]) {
        const results = await sideBySide({ onConnection: acceptAll() }, burstRun(qos, count, reply));
        const ours = results.mpmqtt;
        const theirs = results['MQTT.js'];
        const label = `QoS ${qos}, N = ${count}`;
        t.diagnostic(`${label}: WebSocket messages sent: mpmqtt ${ours.messages}, MQTT.js ${theirs.messages}`);
        assert.deepStrictEqual(ours.delivered, publishes(qos, count).map((p) => String(p.payload)), label);
        assert.deepStrictEqual(theirs.delivered, ours.delivered, label + ' (MQTT.js)');
        // Ours acknowledges on receipt, before the handler; MQTT.js after it.
        assert.deepStrictEqual(ours.packets, expectedPackets(qos, count, reply, true), label);
        assert.deepStrictEqual(theirs.packets.slice().sort(), expectedPackets(qos, count, reply, false).sort(), label + ' (MQTT.js)');
        // One per turn: the burst, and for QoS 2 the PUBRELs.
        assert.strictEqual(ours.messages, qos === 2 ? 2 : 1, `${label}: WebSocket messages sent (MQTT.js: ${theirs.messages})`);
        assert.ok(ours.messages <= theirs.messages, `${label}: ${ours.messages} WebSocket messages, MQTT.js ${theirs.messages}`);
        if (count >= 10) assert.ok(theirs.messages >= count, `${label}: MQTT.js sends one per packet (${theirs.messages})`);
      }
    });
  }
}
