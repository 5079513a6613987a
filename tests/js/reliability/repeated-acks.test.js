'use strict';
// Brokers resend acknowledgements: after a session resume, or on their own retransmit timers.
// A repeated PUBACK/PUBREC/PUBCOMP must change nothing a page sees: every publish callback fires
// exactly once, the connection stays up, later publishes still work. MQTT.js 5.16 runs the same
// script against the same scripted broker as the reference.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, loadMqtt, waitFor, sleep, record } = require('../../reliability/harness');
const { startFakeBroker } = require('../../reliability/fake-broker');

const skip = skipUnless();

const CLIENTS = [
  ['mpmqtt', () => loadMqtt()],
  ['MQTT.js 5.16', () => require('mqtt')],
];

// How the broker acknowledges a publish of each QoS; `repeat` sends each ack twice, the second
// time after the flow completed.
const SCRIPTS = {
  1: (conn, p) => {
    conn.send(conn.packet({ cmd: 'puback', messageId: p.messageId }));
    conn.send(conn.packet({ cmd: 'puback', messageId: p.messageId }));
  },
  2: async (conn, p) => {
    conn.send(conn.packet({ cmd: 'pubrec', messageId: p.messageId }));
    conn.send(conn.packet({ cmd: 'pubrec', messageId: p.messageId }));
    await conn.next('pubrel');
    conn.send(conn.packet({ cmd: 'pubcomp', messageId: p.messageId }));
    conn.send(conn.packet({ cmd: 'pubcomp', messageId: p.messageId }));
  },
};

for (const v of [4, 5]) {
  for (const qos of [1, 2]) {
    for (const [name, load] of CLIENTS) {
      test(`${name}, MQTT ${v === 5 ? '5' : '3.1.1'}, QoS ${qos}: every ack repeated, callbacks once, connection kept`, { skip, timeout: 15000 }, async (t) => {
        const fb = await startFakeBroker({
          protocolVersion: v,
          onConnection: async (conn) => {
            await conn.next('connect');
            conn.send(conn.packet(v === 5 ? { cmd: 'connack', reasonCode: 0, sessionPresent: false } : { cmd: 'connack', returnCode: 0 }));
            for (;;) {
              const p = await conn.next('publish', 10000).catch(() => null);
              if (!p) return;
              await SCRIPTS[qos](conn, p);
            }
          },
        });
        const c = load().connect(fb.url, { clientId: `repeated-acks-${v}-${qos}`, protocolVersion: v, reconnectPeriod: 100, keepalive: 30 });
        const ev = record(c);
        const calls = [0, 0, 0];
        const errors = [];
        try {
          await waitFor(() => c.connected, 3000, 'connect');
          for (let i = 0; i < 3; i++) {
            c.publish('t/repeat', `m${i}`, { qos }, (err) => {
              calls[i]++;
              if (err) errors.push(err.message);
            });
            await waitFor(() => calls[i] === 1, 3000, `callback ${i}`);
            await sleep(50);
          }
          await sleep(200);
          const conn = fb.connections[0];
          t.diagnostic(JSON.stringify({ calls, errors, connections: fb.connections.length, received: conn.received.map((p) => p.cmd) }));
          assert.deepStrictEqual(calls, [1, 1, 1], 'each callback exactly once');
          assert.deepStrictEqual(errors, []);
          assert.strictEqual(fb.connections.length, 1, 'no reconnect');
          assert.strictEqual(conn.closeInfo, null, 'connection kept');
          assert.deepStrictEqual(ev.filter((e) => e.name === 'error'), [], 'no error event');
          assert.deepStrictEqual(conn.received.filter((p) => p.cmd === 'disconnect'), [], 'no DISCONNECT');
          if (qos === 2) {
            // The repeated PUBREC of a flow in progress is answered again (its PUBREL may be lost).
            const pubrels = conn.received.filter((p) => p.cmd === 'pubrel').map((p) => p.messageId);
            assert.ok(pubrels.length >= 3, 'a PUBREL per publish');
          }
        } finally {
          await new Promise((r) => c.end(true, r));
          await fb.stop();
        }
      });
    }
  }
}

// A PUBREC for an id the client no longer holds: the broker still has the message, so it gets a
// PUBREL to let the id go (v5 with 0x92); the client keeps working.
for (const v of [4, 5]) {
  test(`mpmqtt, MQTT ${v === 5 ? '5' : '3.1.1'}: PUBREC for an id not in flight answered with PUBREL, publishing goes on`, { skip, timeout: 15000 }, async () => {
    const fb = await startFakeBroker({
      protocolVersion: v,
      onConnection: async (conn) => {
        await conn.next('connect');
        conn.send(conn.packet(v === 5 ? { cmd: 'connack', reasonCode: 0, sessionPresent: false } : { cmd: 'connack', returnCode: 0 }));
        conn.send(conn.packet({ cmd: 'pubrec', messageId: 999 }));
        const p = await conn.next('publish', 5000);
        conn.send(conn.packet({ cmd: 'puback', messageId: p.messageId }));
      },
    });
    const c = loadMqtt().connect(fb.url, { clientId: `pubrec-unknown-${v}`, protocolVersion: v, reconnectPeriod: 100 });
    try {
      await waitFor(() => c.connected, 3000, 'connect');
      const rel = await fb.connections[0].next('pubrel', 2000);
      assert.strictEqual(rel.messageId, 999);
      if (v === 5) assert.strictEqual(rel.reasonCode, 0x92, 'Packet Identifier not found');
      const err = await new Promise((resolve) => c.publish('t/after', 'x', { qos: 1 }, resolve));
      assert.ifError(err);
      assert.strictEqual(fb.connections.length, 1);
    } finally {
      await new Promise((r) => c.end(true, r));
      await fb.stop();
    }
  });
}
