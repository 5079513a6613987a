'use strict';
/**
 * end(true) called from a publish callback while acknowledgements of other publishes came in
 * the same socket message (issue #21, docs/compat.md, docs/decisions.md "Acknowledgements
 * after end(true)"). Side by side with MQTT.js 5.16 on a scripted broker that answers several
 * publishes in one WebSocket message:
 *
 * - MQTT.js calls the other callbacks right after end(true) (it keeps working through the
 *   packets it parsed from that message; those of later messages it never reads). We hold
 *   them: they are called when the client connects again (reconnect()), each once, and the
 *   broker is not sent again what it acknowledged.
 * - end() without force: both call every callback before 'end'; an end(true) that keeps
 *   nothing (clean, reconnectPeriod 0) too, MQTT.js with 'Connection closed', we with success.
 * - with the page's outgoingStore handed to reconnect(), only the message in flight is resent.
 * - messages received in that socket message are delivered at once, by both, each once (their
 *   PUBACK/PUBREC leaves before the socket closes: holding them back would lose them if the page
 *   never reconnects); MQTT.js' never leave, so the broker sends them again.
 * - MQTT.js' own test "should not send the same publish multiple times on a flaky connection",
 *   on TCP, with a broker that answers all it read at once in one write.
 */
const test = require('node:test');
const assert = require('node:assert');
const net = require('net');
const mqttPacket = require('mqtt-packet');
const { bundleMissing, libraries, sideBySide, waitFor, sleep } = require('./helpers');
const { oneMessageBroker, sendTogether, published } = require('../../support/one-message-acks');

const skip = bundleMissing;

for (const qos of [1, 2]) {
  test(`QoS ${qos}: end(true) in the first of N callbacks completed in one socket message: the others wait for reconnect(), each once, none resent`, { skip, timeout: 60000 }, async () => {
    for (const count of [2, 3, 10]) {
      const results = await sideBySide({ onConnection: oneMessageBroker(count, qos) }, async ({ mqtt, broker }) => {
        const client = mqtt.connect(broker.url, { reconnectPeriod: 1000 });
        client.on('error', () => {});
        const log = [];
        client.on('end', () => log.push('end'));
        await waitFor(() => client.connected, 'connect');
        client.on('connect', () => log.push('connect'));
        for (let i = 0; i <= count; i++) {
          client.publish('t', 'm' + i, { qos }, (err) => {
            log.push(err ? 'error ' + i : 'done ' + i);
            if (i === 0) client.end(true);
          });
        }
        await waitFor(() => log.includes('end'), 'end');
        await sleep(200);
        const beforeReconnect = log.splice(0);
        client.reconnect();
        await waitFor(() => log.includes('connect'), 'reconnect');
        await sleep(300);
        const afterReconnect = log.slice();
        client.end(true);
        return { beforeReconnect, afterReconnect, resent: published(broker.connections[1]) };
      });
      const label = `QoS ${qos}, ${count} in one message`;
      const inOrder = (from, to) => Array.from({ length: to - from }, (_, k) => 'done ' + (from + k));
      // MQTT.js: the callbacks of every packet it parsed from that message, at once.
      assert.deepStrictEqual(results['MQTT.js'].beforeReconnect, [...inOrder(0, count), 'end'], label + ': MQTT.js');
      // Ours: only the first; the rest are called once connected again, the one in flight
      // when the broker answers it on the new connection.
      assert.deepStrictEqual(results.mpmqtt.beforeReconnect, ['done 0', 'end'], label);
      assert.deepStrictEqual(results.mpmqtt.afterReconnect, ['connect', ...inOrder(1, count + 1)], label);
      // Nothing the broker acknowledged goes out again; the one it had not is resent by us
      // (end(true) keeps it for reconnect()); MQTT.js' reconnect() without stores does not.
      assert.deepStrictEqual(results.mpmqtt.resent, ['m' + count], label);
      assert.deepStrictEqual(results['MQTT.js'].resent, [], label + ': MQTT.js');
    }
  });
}

test('end(true) in the first callback, then no reconnect: the held callbacks are never called, a later reconnect calls them once', { skip, timeout: 20000 }, async () => {
  const [, mqtt] = libraries()[1];
  const { startFakeBroker } = require('../../reliability/fake-broker');
  const broker = await startFakeBroker({ onConnection: oneMessageBroker(3, 1) });
  try {
    const client = mqtt.connect(broker.url, { reconnectPeriod: 100 });
    client.on('error', () => {});
    await waitFor(() => client.connected, 'connect');
    const calls = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) client.publish('t', 'm' + i, { qos: 1 }, () => { calls[i]++; if (i === 0) client.end(true); });
    await waitFor(() => calls[0] === 1 && client.disconnected, 'the end');
    await sleep(500); // past reconnectPeriod: an ended client does not come back by itself
    assert.deepStrictEqual(calls, [1, 0, 0, 0]);
    assert.strictEqual(broker.connections.length, 1);
    // end(true) again while they wait: still held, and still kept for the next connection.
    client.end(true);
    await sleep(100);
    assert.deepStrictEqual(calls, [1, 0, 0, 0]);
    client.reconnect();
    await waitFor(() => calls[3] === 1, 'the last one, answered on the new connection');
    await sleep(200);
    assert.deepStrictEqual(calls, [1, 1, 1, 1]);
    assert.deepStrictEqual(published(broker.connections[1]), ['m3']);
    client.end(true);
  } finally {
    await broker.stop();
  }
});

test('end(true) in a held callback released by the reconnect: the rest stay held for the next one', { skip, timeout: 20000 }, async () => {
  const [, mqtt] = libraries()[1];
  const { startFakeBroker } = require('../../reliability/fake-broker');
  const broker = await startFakeBroker({ onConnection: oneMessageBroker(3, 1) });
  try {
    const client = mqtt.connect(broker.url, { reconnectPeriod: 1000 });
    client.on('error', () => {});
    await waitFor(() => client.connected, 'connect');
    const order = [];
    for (let i = 0; i < 4; i++) {
      client.publish('t', 'm' + i, { qos: 1 }, () => {
        order.push(i);
        if (i <= 1) client.end(true);
      });
    }
    await waitFor(() => client.disconnected, 'the first end');
    client.reconnect(); // releases 1, whose callback ends again: 2 waits
    await waitFor(() => order.length === 2 && client.disconnected, 'the second end');
    await sleep(100);
    assert.deepStrictEqual(order, [0, 1]);
    client.reconnect();
    await waitFor(() => order.length === 4, 'the rest');
    assert.deepStrictEqual(order, [0, 1, 2, 3]);
    client.end(true);
  } finally {
    await broker.stop();
  }
});

test('end() (not forced) in the first of N callbacks completed in one message: every callback, then end, as MQTT.js', { skip, timeout: 30000 }, async () => {
  for (const qos of [1, 2]) {
    for (const count of [2, 3, 10]) {
      const results = await sideBySide({ onConnection: oneMessageBroker(count - 1, qos) }, async ({ mqtt, broker }) => {
        const client = mqtt.connect(broker.url, { reconnectPeriod: 1000 });
        client.on('error', () => {});
        const log = [];
        client.on('end', () => log.push('end'));
        await waitFor(() => client.connected, 'connect');
        for (let i = 0; i < count; i++) {
          client.publish('t', 'm' + i, { qos }, (err) => {
            log.push((err ? 'error ' : 'done ') + i);
            if (i === 0) client.end();
          });
        }
        // The last is answered by the broker only now: a graceful end waits for it.
        await waitFor(() => log.length >= count - 1, 'the callbacks of the one message');
        const conn = broker.connections[0];
        const last = conn.received.filter((p) => p.cmd === 'publish').pop();
        conn.send(conn.packet({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: last.messageId }));
        if (qos === 2) conn.send(conn.packet({ cmd: 'pubcomp', messageId: (await conn.next('pubrel')).messageId }));
        await waitFor(() => log.includes('end'), 'end');
        return log;
      });
      const expected = [...Array.from({ length: count }, (_, i) => 'done ' + i), 'end'];
      assert.deepStrictEqual(results['MQTT.js'], expected, `QoS ${qos}, ${count}: MQTT.js`);
      assert.deepStrictEqual(results.mpmqtt, expected, `QoS ${qos}, ${count}`);
    }
  }
});

for (const publishFirst of [false, true]) {
  test(`messages that came in the socket message of the end(true)${publishFirst ? ', the page having published in that job' : ''}: delivered at once; ${publishFirst ? 'their PUBACK/PUBREC dropped with the publish, as MQTT.js\' (the QoS 1 one comes again, the QoS 2 one is not delivered twice)' : 'their PUBACK/PUBREC sent, neither resent'}`, { skip, timeout: 30000 }, async () => {
    const script = async (conn, index) => {
      await conn.next('connect');
      conn.send(conn.packet({ cmd: 'connack', returnCode: 0, sessionPresent: index > 0 }));
      if (index > 0) {
        // What the first connection did not acknowledge comes again [MQTT-4.4.0-1]; a PUBREC
        // it got is followed by the PUBREL only [MQTT-4.3.3].
        const first = broker().connections[0].received;
        const got = (cmd, id) => first.some((p) => p.cmd === cmd && p.messageId === id);
        if (!got('puback', 7)) conn.send(conn.packet({ cmd: 'publish', topic: 'in/1', payload: 'one', qos: 1, messageId: 7, dup: true }));
        if (!got('pubrec', 8)) {
          conn.send(conn.packet({ cmd: 'publish', topic: 'in/2', payload: 'two', qos: 2, messageId: 8, dup: true }));
          await conn.next('pubrec');
        }
        conn.send(conn.packet({ cmd: 'pubrel', messageId: 8 }));
        return;
      }
      const publishes = [await conn.next('publish'), await conn.next('publish')];
      sendTogether(conn, [
        ...publishes.map((p) => ({ cmd: 'puback', messageId: p.messageId })),
        { cmd: 'publish', topic: 'in/1', payload: 'one', qos: 1, messageId: 7 },
        { cmd: 'publish', topic: 'in/2', payload: 'two', qos: 2, messageId: 8 },
      ]);
    };
    let current = null;
    const broker = () => current;
    const results = await sideBySide({ onConnection: script }, async ({ mqtt, broker }) => {
      current = broker;
      const client = mqtt.connect(broker.url, { clean: false, clientId: 'held-acks', reconnectPeriod: 1000 });
      client.on('error', () => {});
      const messages = [];
      client.on('message', (topic) => messages.push(topic));
      await waitFor(() => client.connected, 'connect');
      client.publish('t', 'm0', { qos: 1 }, () => {
        if (publishFirst) client.publish('t', 'late');
        client.end(true);
      });
      client.publish('t', 'm1', { qos: 1 });
      await waitFor(() => client.disconnected, 'the end');
      await sleep(100);
      const atEnd = messages.slice();
      const answers = broker.connections[0].received.filter((p) => p.cmd === 'puback' || p.cmd === 'pubrec').map((p) => p.cmd + ' ' + p.messageId);
      client.reconnect();
      await waitFor(() => client.connected, 'reconnect');
      const pubcomp = await broker.connections[1].next('pubcomp').catch(() => null);
      await sleep(100);
      client.end(true);
      return { atEnd, answers, afterReconnect: messages.slice(atEnd.length), pubcomp: pubcomp && pubcomp.messageId };
    });
    // MQTT.js delivers the QoS 1 one, and again after reconnecting (its PUBACK never left: the
    // stream is destroyed); the QoS 2 one it delivers on the PUBREL, after reconnecting.
    assert.deepStrictEqual(results['MQTT.js'], { atEnd: ['in/1'], answers: [], afterReconnect: ['in/1', 'in/2'], pubcomp: 8 }, 'MQTT.js');
    // Ours delivers both at once (holding them for a reconnection that may never come would lose
    // them). Their acknowledgements wait for the end of the job; a forced end hands them to the
    // socket first unless the page published in that job (what it wrote then dies with the
    // connection, as in MQTT.js, and they with it): the QoS 1 one then comes again, the QoS 2 one
    // is recognised by its id, kept with the session, and not delivered twice.
    const expected = publishFirst
      ? { atEnd: ['in/1', 'in/2'], answers: [], afterReconnect: ['in/1'], pubcomp: 8 }
      : { atEnd: ['in/1', 'in/2'], answers: ['puback 7', 'pubrec 8'], afterReconnect: [], pubcomp: 8 };
    assert.deepStrictEqual(results.mpmqtt, expected);
  });
}

/**
 * MQTT.js' "should not send the same publish multiple times on a flaky connection" (test/node/
 * client.ts): a publish at every connection, each callback ending the client by force; the
 * broker drops the first 4 connections at their first PUBLISH, then acknowledges. Here on TCP
 * with a broker that answers what it read in one write, so acknowledgements of the messages
 * resent together arrive together (with MQTT.js' broker that depends on timing).
 */
async function flakyConnection(mqtt) {
  const killCount = 4;
  let killed = 0;
  const acked = {};
  const ends = [];
  let client = null;
  const server = net.createServer((socket) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let listening = true;
    socket.on('error', () => {});
    client.publish('topic', 'data', { qos: 1 }, () => client.end(true, (err) => ends.push(err || null)));
    parser.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      const answers = [];
      parser.on('packet', onPacket);
      parser.parse(chunk);
      parser.removeListener('packet', onPacket);
      if (answers.length) socket.write(Buffer.concat(answers.map((p) => mqttPacket.generate(p))));
      function onPacket(packet) {
        if (packet.cmd === 'connect') answers.push({ cmd: 'connack', returnCode: 0 });
        if (packet.cmd !== 'publish' || !listening) return;
        if (killed < killCount) {
          killed++;
          listening = false;
          socket.destroy();
          return;
        }
        acked[packet.messageId] = (acked[packet.messageId] || 0) + 1;
        answers.push({ cmd: 'puback', messageId: packet.messageId });
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    client = mqtt.connect({ port: server.address().port, host: '127.0.0.1', connectTimeout: 350, reconnectPeriod: 300 });
    client.on('error', () => {});
    await waitFor(() => ends.length > 0, 'the end', 5000);
    await sleep(500);
    return { ends, duplicates: Object.values(acked).filter((n) => n > 1).length };
  } finally {
    if (client) client.end(true);
    server.close();
  }
}

test('MQTT.js\' flaky connection test, acknowledgements of one read in one write: end()\'s callback once, no publish acknowledged twice', { skip, timeout: 30000 }, async () => {
  for (const [name, mqtt] of libraries()) {
    assert.deepStrictEqual(await flakyConnection(mqtt), { ends: [null], duplicates: 0 }, name);
  }
});

test('end(true) that keeps nothing (clean, reconnectPeriod 0): the other callbacks at once, with success where MQTT.js says Connection closed', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ onConnection: oneMessageBroker(3, 1) }, async ({ mqtt, broker }) => {
    const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    client.on('error', () => {});
    const log = [];
    client.on('end', () => log.push('end'));
    await waitFor(() => client.connected, 'connect');
    for (let i = 0; i < 4; i++) {
      client.publish('t', 'm' + i, { qos: 1 }, (err) => {
        log.push(err ? 'error ' + i : 'done ' + i);
        if (i === 0) client.end(true);
      });
    }
    await waitFor(() => log.includes('end'), 'end');
    await sleep(100);
    return log;
  });
  assert.deepStrictEqual(results['MQTT.js'], ['done 0', 'error 1', 'error 2', 'error 3', 'end'], 'MQTT.js');
  assert.deepStrictEqual(results.mpmqtt, ['done 0', 'done 1', 'done 2', 'error 3', 'end']);
});

test('end(true) amid one message\'s acknowledgements, then reconnect({outgoingStore}) with the page\'s store: only the message in flight is resent', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ onConnection: oneMessageBroker(2, 1) }, async ({ mqtt, broker }) => {
    const store = new mqtt.Store({ clean: false });
    const client = mqtt.connect(broker.url, { reconnectPeriod: 1000, outgoingStore: store });
    client.on('error', () => {});
    const calls = [0, 0, 0];
    await waitFor(() => client.connected, 'connect');
    for (let i = 0; i < 3; i++) client.publish('t', 'm' + i, { qos: 1 }, () => { calls[i]++; if (i === 0) client.end(true); });
    await waitFor(() => client.disconnected, 'the end');
    await sleep(100);
    client.reconnect({ outgoingStore: store });
    await waitFor(() => broker.connections.length === 2 && broker.connections[1].received.some((p) => p.cmd === 'publish'), 'the resend');
    await sleep(300);
    client.end(true);
    return { resent: published(broker.connections[1]), calls };
  });
  // Each callback once by the end (MQTT.js calls the second at once, we after the reconnection).
  assert.deepStrictEqual(results['MQTT.js'], { resent: ['m2'], calls: [1, 1, 1] }, 'MQTT.js');
  assert.deepStrictEqual(results.mpmqtt, { resent: ['m2'], calls: [1, 1, 1] });
});
