'use strict';
/**
 * The outgoing session as MQTT.js 5.16 keeps it (issue #21), side by side with MQTT.js on a
 * scripted broker: a page's `outgoingStore` gets each QoS 1/2 publish before the broker sees
 * it, its PUBREL in its place after PUBREC, and loses it once acknowledged; what a store holds
 * at connect is resent with its ids; `end(true)` then `reconnect({stores})` resends what was
 * in flight and the publish callbacks complete; `messageIdProvider` gives the packet ids.
 */
const test = require('node:test');
const assert = require('node:assert');
const { Readable } = require('stream');
const { bundleMissing, sideBySide, waitFor, sleep } = require('./helpers');

const skip = bundleMissing;

/**
 * A store with MQTT.js' interface over a Map (`packets`, by message id); `hooks.put(packet)`,
 * `hooks.del(packet, found)` and `hooks.close(cb)` see what the client does with it.
 */
function mapStore(hooks = {}) {
  const packets = new Map();
  return {
    packets,
    put(packet, cb) {
      packets.set(packet.messageId, hooks.put ? hooks.put(packet) : packet);
      if (cb) cb();
      return this;
    },
    get(packet, cb) {
      const p = packets.get(packet.messageId);
      cb(p ? null : new Error('missing packet'), p);
      return this;
    },
    del(packet, cb) {
      const p = packets.get(packet.messageId);
      if (hooks.del) hooks.del(packet, !!p);
      packets.delete(packet.messageId);
      if (cb) cb(p ? null : new Error('missing packet'), p);
      return this;
    },
    createStream() {
      // A Node object-mode Readable, as MQTT.js' own Store returns: 'data'/'end' and read().
      return Readable.from([...packets.values()]);
    },
    close(cb) {
      if (hooks.close) return hooks.close(cb);
      if (cb) cb();
    },
  };
}

/** A store that logs what the client does with it (ids by first use). */
function recordingStore(broker, opts = {}) {
  const log = [];
  const names = new Map();
  const name = (id) => {
    if (!names.has(id)) names.set(id, 'm' + names.size);
    return names.get(id);
  };
  // Whether the broker already received a packet of this kind and id when the store is told.
  const seen = (cmd, id) => broker.connections.some((c) => c.received.some((p) => p.cmd === cmd && p.messageId === id));
  const store = mapStore({
    put(packet) {
      log.push(['put', packet.cmd, name(packet.messageId), packet.cmd === 'publish' ? String(packet.payload) : '', seen(packet.cmd, packet.messageId)]);
      return Object.assign({}, packet);
    },
    del(packet, found) {
      log.push(['del', name(packet.messageId), found]);
    },
    close(cb) {
      log.push(['close']);
      if (opts.closeError) return cb(new Error(opts.closeError));
      if (cb) cb();
    },
  });
  return Object.assign(store, { log });
}

function connack(conn, sessionPresent) {
  conn.send(conn.packet({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: !!sessionPresent }));
}

/** A broker that acknowledges everything: PUBACK, PUBREC then PUBCOMP on PUBREL, SUBACK, UNSUBACK. */
function ackingBroker(sessionPresent) {
  return async (conn) => {
    await conn.next('connect');
    connack(conn, sessionPresent);
    const answer = (p) => {
      if (p.cmd === 'publish' && p.qos === 1) conn.send(conn.packet({ cmd: 'puback', messageId: p.messageId }));
      if (p.cmd === 'publish' && p.qos === 2) conn.send(conn.packet({ cmd: 'pubrec', messageId: p.messageId }));
      if (p.cmd === 'pubrel') conn.send(conn.packet({ cmd: 'pubcomp', messageId: p.messageId }));
      if (p.cmd === 'subscribe') conn.send(conn.packet({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map((s) => s.qos) }));
      if (p.cmd === 'unsubscribe') conn.send(conn.packet({ cmd: 'unsuback', messageId: p.messageId }));
    };
    conn.received.forEach(answer);
    conn.ws.on('message', () => setImmediate(() => conn.received.filter((p) => !p.answered).forEach((p) => {
      p.answered = true;
      answer(p);
    })));
    conn.received.forEach((p) => { p.answered = true; });
  };
}

test('outgoingStore: put before the broker sees the publish, PUBREL in its place after PUBREC, del once acknowledged; closed at end', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ onConnection: ackingBroker(false) }, async ({ mqtt, broker }) => {
    const store = recordingStore(broker);
    const client = mqtt.connect(broker.url, { outgoingStore: store, reconnectPeriod: 0 });
    client.on('error', () => {});
    await waitFor(() => client.connected, 'connect');
    const done = [];
    const storePuts = [];
    for (const [payload, qos] of [['a', 1], ['b', 2], ['c', 0], ['d', 2], ['e', 1]]) {
      client.publish('t/store', payload, { qos, cbStorePut: () => storePuts.push(payload) }, (err) => done.push([payload, err ? err.message : null]));
    }
    await waitFor(() => done.length === 5, 'five callbacks');
    await sleep(50);
    const left = store.packets.size;
    await client.endAsync();
    // Per message, in order: what happened to it in the store.
    const perMessage = {};
    for (const e of store.log) if (e[0] !== 'close') (perMessage[e[0] === 'put' ? e[2] : e[1]] = perMessage[e[0] === 'put' ? e[2] : e[1]] || []).push(e[0] === 'put' ? [e[0], e[1], e[3], e[4]] : [e[0], e[2]]);
    return { perMessage, left, done: done.sort(), storePuts: storePuts.sort(), closed: store.log.filter((e) => e[0] === 'close').length };
  });
  assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
  // And the shape itself (MQTT.js', written out): the broker had not seen a packet when it was put.
  assert.deepStrictEqual(results['MQTT.js'].perMessage, {
    m0: [['put', 'publish', 'a', false], ['del', true]],
    m1: [['put', 'publish', 'b', false], ['put', 'pubrel', '', false], ['del', true]],
    m2: [['put', 'publish', 'd', false], ['put', 'pubrel', '', false], ['del', true]],
    m3: [['put', 'publish', 'e', false], ['del', true]],
  });
  assert.strictEqual(results.mpmqtt.left, 0);
});

test('a store holding publishes and a PUBREL at connect: resent in store order with their ids, acknowledged, emptied', { skip, timeout: 20000 }, async () => {
  for (const sessionPresent of [true, false]) {
    const results = await sideBySide({ onConnection: ackingBroker(sessionPresent) }, async ({ mqtt, broker }) => {
      const store = recordingStore(broker);
      // Ids at the edges of the range and in between.
      store.packets.set(65535, { cmd: 'publish', topic: 't/old', payload: Buffer.from('one'), qos: 1, retain: false, messageId: 65535, dup: false });
      store.packets.set(1, { cmd: 'pubrel', messageId: 1 });
      store.packets.set(300, { cmd: 'publish', topic: 't/old', payload: Buffer.from('two'), qos: 2, retain: false, messageId: 300, dup: false });
      const client = mqtt.connect(broker.url, { clientId: 'store-resume', clean: false, outgoingStore: store, reconnectPeriod: 0 });
      client.on('error', () => {});
      await waitFor(() => client.connected, 'connect');
      await waitFor(() => store.packets.size === 0, 'store emptied');
      await client.endAsync();
      const received = broker.connections[0].received.filter((p) => p.cmd !== 'connect' && p.cmd !== 'disconnect');
      return {
        received: received.map((p) => [p.cmd, p.messageId, p.payload ? String(p.payload) : '']),
        dups: received.filter((p) => p.cmd === 'publish').map((p) => p.dup),
      };
    });
    const mq = results['MQTT.js'];
    const ours = results.mpmqtt;
    if (sessionPresent) {
      assert.deepStrictEqual(ours.received, mq.received);
    } else {
      // The broker lost the session: MQTT.js sends the stored PUBREL anyway; the core counts
      // that message as delivered (its PUBREC came) and sends only the publishes (docs/compat.md).
      assert.deepStrictEqual(ours.received, mq.received.filter((p) => !(p[0] === 'pubrel' && p[1] === 1)));
    }
    assert.deepStrictEqual(ours.received.slice(0, 2), [['publish', 65535, 'one'], sessionPresent ? ['pubrel', 1, ''] : ['publish', 300, 'two']]);
    // MQTT.js resends a stored PUBLISH as stored (DUP 0); we set DUP when the broker kept the
    // session, as MQTT 3.1.1 [MQTT-3.3.1-1] asks (docs/compat.md).
    assert.deepStrictEqual(mq.dups, [false, false]);
    assert.deepStrictEqual(ours.dups, [sessionPresent, sessionPresent]);
  }
});

for (const [what, qos, answerFirst] of [['QoS 1 publish', 1, null], ['QoS 2 publish', 2, null], ['QoS 2 PUBREL', 2, 'pubrec']]) {
  test(`end(true) then reconnect({incomingStore, outgoingStore}) resends the in-flight ${what} (clean: false) and its callback succeeds`, { skip, timeout: 20000 }, async () => {
    const results = await sideBySide({
      onConnection: async (conn, index) => {
        if (index > 0) return ackingBroker(true)(conn);
        await conn.next('connect');
        connack(conn, true);
        const p = await conn.next('publish');
        if (answerFirst) conn.send(conn.packet({ cmd: answerFirst, messageId: p.messageId }));
      },
    }, async ({ mqtt, broker }) => {
      const incomingStore = new mqtt.Store({ clean: false });
      const outgoingStore = new mqtt.Store({ clean: false });
      const client = mqtt.connect(broker.url, { clientId: 'end-keep', clean: false, reconnectPeriod: 0, incomingStore, outgoingStore });
      client.on('error', () => {});
      await waitFor(() => client.connected, 'connect');
      let result = 'pending';
      client.publish('t/keep', 'kept', { qos }, (err) => { result = err ? err.message : 'ok'; });
      const last = answerFirst ? 'pubrel' : 'publish';
      await waitFor(() => broker.connections[0].received.some((p) => p.cmd === last), last);
      await new Promise((resolve) => client.end(true, resolve));
      const afterEnd = result;
      client.reconnect({ incomingStore, outgoingStore });
      await waitFor(() => result !== 'pending', 'the callback after reconnect');
      await client.endAsync();
      const second = broker.connections[1].received.filter((p) => p.cmd !== 'connect' && p.cmd !== 'disconnect');
      const firstId = broker.connections[0].received.find((p) => p.cmd === 'publish').messageId;
      return { afterEnd, result, resent: second.map((p) => [p.cmd, p.messageId === firstId]) };
    });
    assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
    assert.deepStrictEqual(results['MQTT.js'].afterEnd, 'pending');
    assert.deepStrictEqual(results['MQTT.js'].result, 'ok');
  });
}

test('end(true) with clean and reconnecting off fails the in-flight callbacks (Connection closed), as MQTT.js', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({
    onConnection: async (conn) => {
      await conn.next('connect');
      connack(conn, false);
    },
  }, async ({ mqtt, broker }) => {
    const client = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    client.on('error', () => {});
    await waitFor(() => client.connected, 'connect');
    const results = [];
    client.publish('t', 'x', { qos: 1 }, (err) => results.push(err ? 'failed' : 'ok'));
    await waitFor(() => broker.connections[0].received.some((p) => p.cmd === 'publish'), 'publish');
    await new Promise((resolve) => client.end(true, resolve));
    await sleep(50);
    return results;
  });
  assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
  assert.deepStrictEqual(results.mpmqtt, ['failed']);
});

test('a store whose close fails: the error reaches end()\'s callback, not the end listeners', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ onConnection: ackingBroker(false) }, async ({ mqtt, broker }) => {
    const out = [];
    for (const which of ['incomingStore', 'outgoingStore']) {
      const client = mqtt.connect(broker.url, { reconnectPeriod: 0, [which]: recordingStore(broker, { closeError: 'close ' + which }) });
      await waitFor(() => client.connected, 'connect');
      let endArgs = null;
      client.on('end', (...a) => { endArgs = a.length; });
      const err = await new Promise((resolve) => client.end((e) => resolve(e)));
      out.push([which, err && err.message, endArgs]);
    }
    return out;
  });
  assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
  assert.deepStrictEqual(results.mpmqtt.map((r) => r[1]), ['close incomingStore', 'close outgoingStore']);
});

test('messageIdProvider: ids of publish/subscribe/unsubscribe from the provider, given back on completion; null waits for a free id', { skip, timeout: 20000 }, async () => {
  const results = await sideBySide({ onConnection: ackingBroker(false) }, async ({ mqtt, broker }) => {
    // A provider with two ids: the third QoS 1 publish waits for one of them to be given back.
    const calls = [];
    const inner = new mqtt.UniqueMessageIdProvider();
    let free = [1, 2];
    const provider = {
      allocate: () => {
        const id = free.shift();
        calls.push(['allocate', id === undefined ? null : id]);
        if (id !== undefined) inner.register(id);
        return id === undefined ? null : id;
      },
      getLastAllocated: () => inner.getLastAllocated(),
      register: (id) => inner.register(id),
      deallocate: (id) => {
        calls.push(['deallocate', id]);
        free.push(id);
        free = [...new Set(free)].sort((a, b) => a - b);
        inner.deallocate(id);
      },
      clear: () => inner.clear(),
    };
    const client = mqtt.connect(broker.url, { messageIdProvider: provider, reconnectPeriod: 0 });
    client.on('error', () => {});
    await waitFor(() => client.connected, 'connect');
    const done = [];
    client.subscribe('s/1', { qos: 1 }, () => done.push('sub'));
    await waitFor(() => done.length === 1, 'suback');
    client.publish('t', 'a', { qos: 1 }, () => done.push('a'));
    client.publish('t', 'b', { qos: 2 }, () => done.push('b'));
    client.publish('t', 'c', { qos: 1 }, () => done.push('c'));
    await waitFor(() => done.length === 4, 'three publishes');
    client.unsubscribe('s/1', () => done.push('unsub'));
    await waitFor(() => done.length === 5, 'unsuback');
    const last = client.getLastMessageId();
    await client.endAsync();
    const sent = broker.connections[0].received.filter((p) => p.messageId).map((p) => [p.cmd, p.cmd === 'publish' ? String(p.payload) : '', p.messageId]);
    return { sent, last, deallocated: calls.filter((c) => c[0] === 'deallocate').length, nulls: calls.filter((c) => c[1] === null).length > 0 };
  });
  assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
  assert.strictEqual(results.mpmqtt.nulls, true, 'the provider ran out once');
  // c went out with an id given back by a or b.
  const ids = results.mpmqtt.sent.filter((s) => s[0] === 'publish').map((s) => s[2]);
  assert.ok([1, 2].includes(ids[2]), JSON.stringify(results.mpmqtt.sent));
});

test('DefaultMessageIdProvider and UniqueMessageIdProvider answer as MQTT.js\' (sequences swept over the range)', { skip }, () => {
  const { libraries } = require('./helpers');
  const run = (mqtt) => {
    const out = [];
    const d = new mqtt.DefaultMessageIdProvider();
    out.push(d.allocate() >= 1, d.register(10), d.getLastAllocated() >= 1);
    for (const start of [1, 2, 32767, 65534, 65535]) {
      d.nextId = start;
      const got = [d.allocate(), d.getLastAllocated(), d.allocate(), d.getLastAllocated(), d.allocate()];
      out.push(got);
    }
    const u = new mqtt.UniqueMessageIdProvider();
    out.push([u.allocate(), u.allocate(), u.register(5), u.register(5), u.register(3), u.allocate(), u.allocate(), u.getLastAllocated()]);
    u.deallocate(2);
    u.deallocate(5);
    out.push([u.allocate(), u.allocate(), u.getLastAllocated(), u.register(0), u.register(65536)]);
    u.clear();
    let last = null;
    for (let i = 1; i <= 65535; i++) last = u.allocate();
    out.push([last, u.allocate(), u.getLastAllocated()]);
    u.deallocate(40000);
    out.push([u.allocate(), u.allocate()]);
    return out;
  };
  const [[, mq], [, ours]] = libraries();
  assert.deepStrictEqual(run(ours), run(mq));
});

/**
 * A store that keeps a copy of each PUBLISH as it was put (topic, properties, qos,
 * payload), so what a later mutation of the client's objects does cannot hide what it got.
 */
function snapshotStore() {
  const puts = [];
  const store = mapStore({
    put(packet) {
      if (packet.cmd === 'publish') {
        puts.push({ topic: String(packet.topic), properties: packet.properties === undefined ? undefined : JSON.parse(JSON.stringify(packet.properties)), qos: packet.qos, payload: String(packet.payload) });
      }
      return packet;
    },
  });
  return Object.assign(store, { puts });
}

// How the page names the topic of the QoS 1/2 message: [label, autoAssignTopicAlias,
// (aliasSet, qos, props) => [topic, options]], after a QoS 0 publish to ALIASED set an alias
// (3, or the one autoAssignTopicAlias chose: `aliasSet`).
const ALIASED = 't/aliased';
const NAMINGS = [
  ['with its topic and alias 3', false, (alias, qos, props) => [ALIASED, { qos, properties: Object.assign({ topicAlias: 3 }, props) }]],
  ['by alias 3 alone', false, (alias, qos, props) => ['', { qos, properties: Object.assign({ topicAlias: 3 }, props) }]],
  ['by its topic, autoAssignTopicAlias sending the alias alone', true, (alias, qos, props) => [ALIASED, { qos, properties: props }]],
  ['by the alias autoAssignTopicAlias assigned, alone', true, (alias, qos, props) => ['', { qos, properties: Object.assign({ topicAlias: alias }, props) }]],
];

for (const [naming, auto, kept] of NAMINGS) {
  for (const qos of [1, 2]) {
    test(`outgoingStore, QoS ${qos} publish named ${naming}: stored with the topic in full and no Topic Alias, the other properties kept`, { skip, timeout: 20000 }, async () => {
      const results = await sideBySide({
        protocolVersion: 5,
        onConnection: async (conn) => {
          await conn.next('connect');
          conn.send(conn.packet({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 5 } }));
        },
      }, async ({ mqtt, broker }) => {
        const store = snapshotStore();
        const client = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0, outgoingStore: store, autoAssignTopicAlias: auto });
        client.on('error', () => {});
        await new Promise((resolve) => client.once('connect', resolve));
        const published = () => broker.connections[0].received.filter((p) => p.cmd === 'publish');
        try {
          client.publish(ALIASED, 'set', { qos: 0, properties: auto ? undefined : { topicAlias: 3 } });
          await waitFor(() => published().length === 1, 'the publish that sets the alias');
          const aliasSet = published()[0].properties.topicAlias;
          const props = { contentType: 'text/plain', userProperties: { k: 'v' }, messageExpiryInterval: 60 };
          const [topic, options] = kept(aliasSet, qos, props);
          const given = JSON.stringify(options);
          client.publish(topic, 'kept', options);
          await waitFor(() => published().length === 2 && store.puts.length === 1, 'the stored publish on the wire');
          const wire = published()[1];
          return {
            aliasSet,
            stored: store.puts,
            wire: [wire.topic, wire.properties.topicAlias],
            pageOptionsUntouched: JSON.stringify(options) === given,
          };
        } finally {
          client.end(true);
        }
      });
      assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
      // MQTT.js' result, written out: what a later client can send.
      assert.deepStrictEqual(results.mpmqtt.stored, [{ topic: ALIASED, properties: { contentType: 'text/plain', userProperties: { k: 'v' }, messageExpiryInterval: 60 }, qos, payload: 'kept' }]);
      assert.strictEqual(results.mpmqtt.pageOptionsUntouched, true);
      // While on the wire it used the alias as given or assigned.
      assert.strictEqual(results.mpmqtt.wire[1], results.mpmqtt.aliasSet);
    });
  }
}

// While the connection is down: the alias alone stands for what the last connection set it to,
// or what a publish made since (still queued) sets it to; the store gets that topic in full.
for (const setOffline of [false, true]) {
  for (const qos of [1, 2]) {
    test(`outgoingStore, QoS ${qos} publish by an alias alone while the connection is down, the alias set ${setOffline ? 'by a publish queued meanwhile' : 'on the last connection'}: stored with the topic in full`, { skip, timeout: 20000 }, async () => {
      const results = await sideBySide({
        protocolVersion: 5,
        onConnection: async (conn) => {
          await conn.next('connect');
          conn.send(conn.packet({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 5 } }));
          await conn.next('publish');
          setImmediate(() => conn.terminate());
        },
      }, async ({ mqtt, broker }) => {
        const store = snapshotStore();
        const client = mqtt.connect(broker.url, { protocolVersion: 5, clientId: 'alias-offline-store', clean: false, reconnectPeriod: 60000, outgoingStore: store });
        client.on('error', () => {});
        await new Promise((resolve) => client.once('connect', resolve));
        try {
          client.publish('t/first', 'set', { qos: 0, properties: { topicAlias: 2 } });
          await new Promise((resolve) => client.once('close', resolve));
          if (setOffline) client.publish(ALIASED, 'set again', { qos: 0, properties: { topicAlias: 2 } });
          client.publish('', 'kept', { qos, properties: { topicAlias: 2, contentType: 'text/plain' } });
          await waitFor(() => store.puts.length === 1, 'the put');
          return store.puts;
        } finally {
          client.end(true);
        }
      });
      assert.deepStrictEqual(results.mpmqtt, results['MQTT.js']);
      assert.deepStrictEqual(results.mpmqtt, [{ topic: setOffline ? ALIASED : 't/first', properties: { contentType: 'text/plain' }, qos, payload: 'kept' }]);
    });
  }
}
