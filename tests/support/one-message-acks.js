'use strict';
/**
 * A broker script for tests/reliability/fake-broker.js that completes several of a client's
 * publishes in one WebSocket message (issue #21, docs/decisions.md "Acknowledgements after
 * end(true)"): tests/js/compat/forced-end.test.js runs it beside MQTT.js, and
 * tests/js/emulation/forced-end-pages.test.js under the emulated WeChat and Alipay pages.
 */

/** Sends `packets` (mqtt-packet objects) as one WebSocket message. */
const sendTogether = (conn, packets) => conn.send(Buffer.concat(packets.map((p) => conn.packet(p))));

async function accept(conn, sessionPresent) {
  await conn.next('connect');
  conn.send(conn.packet({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent }));
}

/** Answers every PUBLISH and PUBREL from now on, one message each. */
function answerEverything(conn, qos) {
  conn.ws.on('message', () => setImmediate(() => {
    for (const p of conn.received) {
      if (p.answered) continue;
      p.answered = true;
      if (p.cmd === 'publish') conn.send(conn.packet({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId }));
      if (p.cmd === 'pubrel') conn.send(conn.packet({ cmd: 'pubcomp', messageId: p.messageId }));
    }
  }));
}

/**
 * The first connection gets `count` + 1 publishes and completes the first `count` in one
 * message (QoS 2: their PUBRECs in one, then their PUBCOMPs in one); the last stays in flight.
 * Later connections get everything answered; `resumed`: their CONNACK says the session was
 * kept (for a client that connects with `clean: false`).
 */
function oneMessageBroker(count, qos, { resumed = false } = {}) {
  return async (conn, index) => {
    await accept(conn, resumed && index > 0);
    if (index > 0) return answerEverything(conn, qos);
    const publishes = [];
    for (let i = 0; i <= count; i++) publishes.push(await conn.next('publish'));
    const acked = publishes.slice(0, count);
    for (const p of publishes) p.answered = true;
    if (qos === 1) return sendTogether(conn, acked.map((p) => ({ cmd: 'puback', messageId: p.messageId })));
    sendTogether(conn, acked.map((p) => ({ cmd: 'pubrec', messageId: p.messageId })));
    const releases = [];
    for (let i = 0; i < count; i++) releases.push(await conn.next('pubrel'));
    sendTogether(conn, releases.map((p) => ({ cmd: 'pubcomp', messageId: p.messageId })));
  };
}

/** The payloads ('m' + index) of the PUBLISHes a connection received. */
const published = (conn) => (conn ? conn.received.filter((p) => p.cmd === 'publish').map((p) => p.payload.toString()) : []);

module.exports = { oneMessageBroker, sendTogether, published };
