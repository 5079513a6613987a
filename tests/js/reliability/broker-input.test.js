'use strict';
// Bad input from the broker, sent by a raw scripted WebSocket broker: the client must drop the
// connection with a clear reason and recover by reconnecting (the fake broker behaves on the
// second connection), or ignore what the spec says to ignore.
const test = require('node:test');
const assert = require('node:assert');
const { skipUnless, loadMqtt, waitFor, sleep, record } = require('../../reliability/harness');
const { startFakeBroker } = require('../../reliability/fake-broker');

const skip = skipUnless();

const publishBytes = (topicBytes, payloadLen, header = 0x30) => {
  const body = Buffer.concat([Buffer.from([topicBytes.length >> 8, topicBytes.length & 255]), topicBytes, Buffer.alloc(payloadLen, 0x61)]);
  const len = [];
  let n = body.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 128;
    len.push(b);
  } while (n);
  return Buffer.concat([Buffer.from([header, ...len]), body]);
};

/**
 * Connection 0 gets CONNACK then `bad(conn)`; later connections just get CONNACK.
 * expect 'reconnect': connection 0 is closed by the client, an error is reported, a second
 * connection is made and stays up. expect 'stay': connection 0 stays up.
 */
const CASES = [
  { name: 'remaining length longer than 4 bytes', bad: (c) => c.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f])), expect: 'reconnect' },
  { name: 'reserved packet type 0', bad: (c) => c.send(Buffer.from([0x00, 0x00])), expect: 'reconnect' },
  { name: 'packet type 15 (AUTH) on MQTT 3.1.1', bad: (c) => c.send(Buffer.from([0xf0, 0x00])), expect: 'reconnect' },
  { name: 'PUBREL with wrong flags (0x60)', bad: (c) => c.send(Buffer.from([0x60, 0x02, 0x00, 0x01])), expect: 'reconnect' },
  { name: 'PUBLISH with QoS 3', bad: (c) => c.send(publishBytes(Buffer.from('t'), 1, 0x36)), expect: 'reconnect' },
  { name: 'PUBLISH topic with invalid UTF-8', bad: (c) => c.send(publishBytes(Buffer.from([0x74, 0xff, 0xfe]), 1)), expect: 'reconnect' },
  { name: 'PUBLISH topic with a wildcard', bad: (c) => c.send(publishBytes(Buffer.from('a/#'), 1)), expect: 'reconnect' },
  { name: 'PUBLISH QoS 1 with packet id 0', bad: (c) => c.send(Buffer.from([0x32, 0x05, 0x00, 0x01, 0x74, 0x00, 0x00])), expect: 'reconnect' },
  { name: 'second CONNACK', bad: (c) => c.send(c.packet({ cmd: 'connack', returnCode: 0 })), expect: 'reconnect' },
  { name: 'CONNACK length 3', bad: (c) => c.send(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00])), expect: 'reconnect', raw: true },
  { name: 'text WebSocket frame', bad: (c) => c.sendText('{"hello":"world"}'), expect: 'reconnect' },
  { name: 'PUBLISH larger than maxIncomingPacketSize (1024)', opts: { maxIncomingPacketSize: 1024 }, bad: (c) => c.send(publishBytes(Buffer.from('big'), 2000)), expect: 'reconnect' },
  {
    name: 'v5: PUBLISH larger than properties.maximumPacketSize (1024)',
    v: 5,
    opts: { properties: { maximumPacketSize: 1024 } },
    bad: (c) => c.send(c.packet({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(2000, 0x61), qos: 0 })),
    expect: 'reconnect',
    disconnectReason: 0x95,
  },
  // Brokers resend acknowledgements (after a resume, on their own timers): an ack for an id not
  // in flight is ignored, as MQTT.js ignores it; a PUBREC still gets its PUBREL [MQTT-4.3.3].
  { name: 'PUBACK for an unknown packet id', bad: (c) => c.send(c.packet({ cmd: 'puback', messageId: 4660 })), expect: 'stay' },
  { name: 'v5: PUBACK for an unknown packet id', v: 5, bad: (c) => c.send(c.packet({ cmd: 'puback', messageId: 4660 })), expect: 'stay' },
  { name: 'PUBCOMP for an unknown packet id', bad: (c) => c.send(c.packet({ cmd: 'pubcomp', messageId: 4661 })), expect: 'stay' },
  { name: 'v5: PUBCOMP for an unknown packet id', v: 5, bad: (c) => c.send(c.packet({ cmd: 'pubcomp', messageId: 4661 })), expect: 'stay' },
  { name: 'SUBACK for an unknown packet id', bad: (c) => c.send(c.packet({ cmd: 'suback', messageId: 4662, granted: [0] })), expect: 'reconnect' },
  { name: 'PUBREC for an unknown packet id: answered with PUBREL', bad: (c) => c.send(c.packet({ cmd: 'pubrec', messageId: 4664 })), expect: 'stay', reply: 'pubrel' },
  { name: 'v5: PUBREC for an unknown packet id: PUBREL 0x92 (packet identifier not found)', v: 5, bad: (c) => c.send(c.packet({ cmd: 'pubrec', messageId: 4664 })), expect: 'stay', reply: 'pubrel', replyReason: 0x92 },
  { name: 'unexpected PUBREL (unknown id): answered with PUBCOMP', bad: (c) => c.send(c.packet({ cmd: 'pubrel', messageId: 4663 })), expect: 'stay', reply: 'pubcomp' },
  { name: 'v5: unexpected PUBREL: PUBCOMP 0x92 (packet identifier not found)', v: 5, bad: (c) => c.send(c.packet({ cmd: 'pubrel', messageId: 4665 })), expect: 'stay', reply: 'pubcomp', replyReason: 0x92 },
  // A broker may not claim a session the client asked it to discard [MQTT-3.2.2-1]; a v5 client
  // without session state MUST close [MQTT-3.2.2-4].
  { name: 'CONNACK with session present 1 after clean session 1', raw: true, bad: (c) => c.send(c.packet({ cmd: 'connack', returnCode: 0, sessionPresent: true })), expect: 'reconnect' },
  { name: 'v5: CONNACK with session present 1 after clean start 1', v: 5, raw: true, bad: (c) => c.send(c.packet({ cmd: 'connack', reasonCode: 0, sessionPresent: true })), expect: 'reconnect', disconnectReason: 0x82 },
  // Before MQTT 5 only clients send DISCONNECT: a protocol error, not a quiet close.
  { name: '3.1.1: DISCONNECT from the broker', bad: (c) => c.send(Buffer.from([0xe0, 0x00])), expect: 'reconnect' },
  { name: 'v5: DISCONNECT 0x81 (malformed packet) from the broker', v: 5, bad: (c) => { c.send(c.packet({ cmd: 'disconnect', reasonCode: 0x81 })); c.close(1000, ''); }, expect: 'reconnect', serverDisconnect: 0x81 },
];

for (const k of CASES) {
  const v = k.v || 4;
  test(`broker sends ${k.name}: ${k.expect === 'stay' ? 'ignored, connection kept' : 'clean close, clear error, reconnect'}`, { skip, timeout: 15000 }, async (t) => {
    const fb = await startFakeBroker({
      protocolVersion: v,
      onConnection: async (conn, index) => {
        await conn.next('connect');
        if (index === 0 && k.raw) return k.bad(conn);
        conn.send(conn.packet(v === 5 ? { cmd: 'connack', reasonCode: 0, sessionPresent: false } : { cmd: 'connack', returnCode: 0 }));
        if (index === 0) {
          await sleep(50);
          k.bad(conn);
        }
      },
    });
    const c = loadMqtt().connect(fb.url, Object.assign({ clientId: 'rel-bad-broker', protocolVersion: v, reconnectPeriod: 100, keepalive: 30 }, k.opts));
    const ev = record(c);
    try {
      if (k.expect === 'stay') {
        await waitFor(() => c.connected, 3000, 'connect');
        const reply = k.reply ? await fb.connections[0].next(k.reply, 2000) : null;
        if (k.replyReason !== undefined) assert.strictEqual(reply.reasonCode, k.replyReason, 'reason code of the reply');
        await sleep(400);
        const errors = ev.filter((e) => e.name === 'error').map((e) => e.arg.message);
        t.diagnostic(JSON.stringify({ connections: fb.connections.length, errors, closes: ev.filter((e) => e.name === 'close').length }));
        assert.strictEqual(fb.connections.length, 1, 'no reconnect');
        assert.strictEqual(fb.connections[0].closeInfo, null, 'connection kept');
        assert.strictEqual(c.connected, true);
        return;
      }
      await waitFor(() => fb.connections.length >= 2 && c.connected && ev.filter((e) => e.name === 'connect').length >= (k.raw ? 1 : 2), 5000, 'reconnect after the bad input');
      const first = fb.connections[0];
      await waitFor(() => first.closeInfo, 2000, 'the bad connection closed');
      const errors = ev.filter((e) => e.name === 'error').map((e) => ({ code: e.arg.code, message: e.arg.message }));
      const disconnects = first.received.filter((p) => p.cmd === 'disconnect').map((p) => p.reasonCode);
      t.diagnostic(JSON.stringify({ connections: fb.connections.length, wsClose: first.closeInfo, errors, disconnectSent: disconnects }));
      if (!k.serverDisconnect) {
        assert.ok(errors.length >= 1, 'an error event says why the connection was dropped');
        assert.ok(errors[0].message.length > 10, 'with a readable reason');
      }
      if (k.serverDisconnect) assert.deepStrictEqual(ev.filter((e) => e.name === 'disconnect').map((e) => e.arg.reasonCode), [k.serverDisconnect], "the broker's DISCONNECT reached the page");
      if (k.disconnectReason) assert.deepStrictEqual(disconnects, [k.disconnectReason], 'v5: DISCONNECT with the reason sent first');
      await sleep(300);
      assert.strictEqual(fb.connections.length, 2, 'one reconnect, not a storm');
      assert.strictEqual(c.connected, true);
    } finally {
      await new Promise((r) => c.end(true, r));
      await fb.stop();
    }
  });
}

test('v5: CONNACK Maximum Packet Size 256, the page publishes 1 KiB: packet_too_large error, connection kept', { skip, timeout: 10000 }, async (t) => {
  const fb = await startFakeBroker({
    protocolVersion: 5,
    onConnection: async (conn) => {
      await conn.next('connect');
      conn.send(conn.packet({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { maximumPacketSize: 256 } }));
    },
  });
  const c = loadMqtt().connect(fb.url, { clientId: 'rel-oversize', protocolVersion: 5 });
  try {
    await waitFor(() => c.connected, 3000, 'connect');
    const err = await new Promise((r) => c.publish('t', Buffer.alloc(1024), { qos: 1 }, r));
    const ok = await new Promise((r) => c.publish('t', 'small', { qos: 0 }, r));
    await sleep(100);
    t.diagnostic(JSON.stringify({ code: err && err.code, message: err && err.message, publishesSeen: fb.connections[0].received.filter((p) => p.cmd === 'publish').length }));
    assert.ok(err, 'refused');
    assert.strictEqual(err.code, 'packet_too_large');
    assert.ok(!ok, 'a small publish afterwards works');
    assert.strictEqual(fb.connections[0].received.filter((p) => p.cmd === 'publish').length, 1, 'only the small one reached the broker');
    assert.strictEqual(c.connected, true);
  } finally {
    await new Promise((r) => c.end(true, r));
    await fb.stop();
  }
});

test('a text WebSocket frame is reported as such, not as a mystery protocol error', { skip, timeout: 10000 }, async () => {
  const fb = await startFakeBroker({
    onConnection: async (conn, index) => {
      await conn.next('connect');
      conn.send(conn.packet({ cmd: 'connack', returnCode: 0 }));
      if (index === 0) conn.sendText('{"hello":"world"}');
    },
  });
  const c = loadMqtt().connect(fb.url, { clientId: 'rel-text', reconnectPeriod: 100 });
  const errors = [];
  c.on('error', (e) => errors.push(e.message));
  try {
    await waitFor(() => errors.length >= 1, 3000, 'error');
    assert.match(errors[0], /text WebSocket frame \(17 characters\).*binary frames only/);
    assert.ok(!errors[0].includes('hello'), 'the frame content is not quoted');
  } finally {
    await new Promise((r) => c.end(true, r));
    await fb.stop();
  }
});
