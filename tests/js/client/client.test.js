'use strict'
const test = require('node:test')
const assert = require('node:assert')
const MqttClient = require('../../../js-glue/client/mqtt-client')
const options = require('../../../js-glue/client/options')
const { ErrorWithReasonCode } = require('../../../js-glue/client/errors')
const { EV, makeEnv, tick } = require('./helpers')

const CONNECT_BYTES = Uint8Array.from([0x10, 0])

/** A fake core that behaves like the real one on the happy path. */
function happyCore (core) {
  core.on.connect = function () { this.queue(EV.OPEN_TRANSPORT) }
  core.on.transport_opened = function () {
    this.tx.push(CONNECT_BYTES)
    this.queue(EV.CONNECTED, { code: 0, sessionPresent: false })
  }
  core.on.end = function () {
    this.queue(EV.CLOSE_TRANSPORT)
    this.queue(EV.CLOSED, { code: 1 })
    this.queue(EV.ENDED)
  }
}

function make (url, opts, setup) {
  const t = makeEnv(setup || happyCore)
  const client = new MqttClient(options.mergeUrl(url || 'wxs://broker.test:8084/mqtt', opts), t.env)
  client.on('error', () => {})
  return Object.assign(t, { client, core: () => t.Core.instances[0], sock: () => t.platform.sockets[t.platform.sockets.length - 1] })
}

/** Makes the fake core emit `events` as a reaction to incoming bytes. */
function deliver (t, events) {
  const core = t.core()
  core.on.handle_bytes = function () {
    delete core.on.handle_bytes
    events.forEach((e) => core.queue(e.kind, e))
  }
  t.sock().handlers.message(Uint8Array.from([1]))
}

async function connected (url, opts, setup) {
  const t = make(url, opts, setup)
  await tick()
  t.sock().handlers.open()
  assert.strictEqual(t.client.connected, true)
  return t
}

test('connect() returns at once, queues calls until the core is ready, then drives it', async () => {
  const t = make('wxs://broker.test/mqtt', { clientId: 'c1', keepalive: 30 })
  const order = []
  t.client.publish('a/b', 'early', () => order.push('pub'))
  assert.strictEqual(t.Core.instances.length, 0)
  await tick()
  const core = t.core()
  assert.strictEqual(core.options.clientId, 'c1')
  assert.strictEqual(core.options.keepalive, 30)
  assert.deepStrictEqual(core.callNames(), ['connect', 'publish'])
  assert.strictEqual(t.sock().url, 'wss://broker.test/mqtt')
  assert.deepStrictEqual(t.sock().opts.protocols, ['mqtt'])
  let connack
  t.client.on('connect', (p) => { connack = p })
  t.sock().handlers.open()
  assert.deepStrictEqual(t.sock().sent, [CONNECT_BYTES])
  assert.deepStrictEqual(connack, { cmd: 'connack', retain: false, qos: 0, dup: false, length: 2, topic: null, payload: null, sessionPresent: false, returnCode: 0 })
  assert.strictEqual(t.client.connected, true)
  deliver(t, [{ kind: EV.OP_DONE, op: 1 }])
  await tick()
  assert.deepStrictEqual(order, ['pub'])
})

test('publish passes bytes, flags and reports QoS 0 as cb() and QoS 1 as cb(null, packet)', async () => {
  const t = await connected()
  const results = []
  t.client.publish('t', Buffer.from([1, 2]), { qos: 1, retain: true }, (...a) => results.push(a))
  t.client.publish('t', 'hé', (...a) => results.push(a))
  const calls = t.core().calls.filter((c) => c[0] === 'publish')
  assert.deepStrictEqual(Array.from(calls[0][2]), [1, 2])
  assert.deepStrictEqual(calls[0].slice(3, 6), [1, true, false])
  assert.deepStrictEqual(Array.from(calls[1][2]), [0x68, 0xc3, 0xa9])
  deliver(t, [{ kind: EV.OP_DONE, op: 2 }, { kind: EV.OP_DONE, op: 1, messageId: 7 }, { kind: EV.OP_DONE, op: 1, messageId: 7 }])
  assert.strictEqual(results.length, 2, 'each callback fires exactly once')
  assert.deepStrictEqual(results[0], [])
  assert.strictEqual(results[1][0], null)
  assert.strictEqual(results[1][1].messageId, 7)
  assert.strictEqual(results[1][1].qos, 1)
  assert.strictEqual(results[1][1].topic, 't')
})

test('publish rejects bad messages and topics through the callback, asynchronously', async () => {
  const t = await connected()
  const errs = []
  let sync = true
  t.client.publish('t', 42, (e) => errs.push([e, sync]))
  t.client.publish('t', { a: 1 }, (e) => errs.push([e, sync]))
  t.client.publish(undefined, 'x', (e) => errs.push([e, sync]))
  t.client.publish('t', 'x', { qos: 3 }, (e) => errs.push([e, sync]))
  sync = false
  await tick()
  assert.strictEqual(errs.length, 4)
  assert.match(errs[0][0].message, /string, Uint8Array, Buffer or ArrayBuffer, not number/)
  assert.match(errs[1][0].message, /not object/)
  assert.match(errs[2][0].message, /Invalid topic/)
  assert.ok(errs.every((e) => e[1] === false))
  assert.strictEqual(t.core().calls.filter((c) => c[0] === 'publish').length, 0)
})

test('publish failures become errors; v5 reason codes become ErrorWithReasonCode', async () => {
  const t = await connected(null, { protocolVersion: 5 })
  const errs = []
  t.client.publish('t', 'x', { qos: 1 }, (e) => errs.push(e))
  t.client.publish('t', 'x', { qos: 1 }, (e) => errs.push(e))
  deliver(t, [
    { kind: EV.OP_FAILED, op: 1, code: 0x87, name: 'refused', text: 'Publish error' },
    { kind: EV.OP_FAILED, op: 2, code: 0, name: 'connection_closed', text: 'Connection closed' }
  ])
  assert.ok(errs[0] instanceof ErrorWithReasonCode)
  assert.strictEqual(errs[0].code, 0x87)
  assert.strictEqual(errs[0].message, 'Publish error: Not authorized')
  assert.strictEqual(errs[1].message, 'Connection closed')
  assert.strictEqual(errs[1].code, 'connection_closed')
})

test('a QoS 0 publish without a callback keeps no entry; its failure, and the resubscription\'s, reach the error event', async () => {
  const t = await connected()
  const errors = []
  t.client.removeAllListeners('error')
  t.client.on('error', (e) => errors.push(e))
  t.client.publish('t', 'a')
  t.client.publish('t', 'b', { qos: 0 })
  t.client.publish('t', 'c', { qos: 1 })
  assert.strictEqual(t.client._ops.size, 1, 'only the QoS 1 publish waits for an answer')
  deliver(t, [
    { kind: EV.OP_DONE, op: 1 },
    { kind: EV.OP_FAILED, op: 2, code: 0, name: 'queue_full', text: 'Queue full' },
    // op 0 is the core's own resubscription: nobody waits for it, but the page must hear that
    // a filter was not resubscribed
    { kind: EV.OP_FAILED, op: 0, code: 0, name: 'packet_too_large', text: 'Resubscription larger than the broker\'s Maximum Packet Size, not sent: a/b' },
    { kind: EV.OP_FAILED, op: 3, code: 0x87, name: 'refused', text: 'Publish error' }
  ])
  await tick()
  assert.strictEqual(errors.length, 3)
  assert.strictEqual(errors[0].message, 'Queue full')
  assert.strictEqual(errors[0].code, 'queue_full')
  assert.match(errors[1].message, /not sent: a\/b$/)
  assert.strictEqual(errors[1].code, 'packet_too_large')
  assert.ok(errors[2] instanceof ErrorWithReasonCode)
  assert.strictEqual(errors[2].code, 0x87)
  assert.strictEqual(t.client._ops.size, 0)
})

test('subscribe forms, granted list, v4 failure code 128 and dedup of known topics', async () => {
  const t = await connected()
  const got = []
  t.client.subscribe('a/+', (...a) => got.push(a))
  t.client.subscribe(['b', 'c/#'], { qos: 1 }, (...a) => got.push(a))
  t.client.subscribe({ d: { qos: 2 }, e: 1 }, (...a) => got.push(a))
  const subs = t.core().calls.filter((c) => c[0] === 'subscribe').map((c) => c[1])
  // A 3.1.1 client's filters carry no v5 options: the core defaults nl, rap and rh.
  assert.deepStrictEqual(subs, [
    [{ topic: 'a/+', qos: 0 }],
    [{ topic: 'b', qos: 1 }, { topic: 'c/#', qos: 1 }],
    [{ topic: 'd', qos: 2 }, { topic: 'e', qos: 1 }]
  ])
  deliver(t, [
    { kind: EV.OP_DONE, op: 1, codes: Uint8Array.from([0]) },
    { kind: EV.OP_DONE, op: 2, codes: Uint8Array.from([1, 0x80]) },
    { kind: EV.OP_DONE, op: 3, codes: Uint8Array.from([2, 1]) }
  ])
  assert.deepStrictEqual(got[0].slice(0, 2), [null, [{ topic: 'a/+', qos: 0 }]])
  assert.deepStrictEqual(got[1].slice(0, 2), [null, [{ topic: 'b', qos: 1 }, { topic: 'c/#', qos: 128 }]])
  assert.strictEqual(got[1][2].cmd, 'suback')
  // Already subscribed at that QoS: not sent again (MQTT.js); the refused one is.
  const again = []
  t.client.subscribe(['b', 'c/#'], { qos: 1 }, (...a) => again.push(a))
  assert.deepStrictEqual(t.core().calls.filter((c) => c[0] === 'subscribe').pop()[1].map((s) => s.topic), ['c/#'])
  t.client.subscribe('d', { qos: 2 }, (...a) => again.push(a))
  await tick()
  assert.deepStrictEqual(again, [[null, []]])
})

test('subscribe/unsubscribe reject invalid filters with MQTT.js messages', async () => {
  const t = await connected()
  const errs = []
  t.client.subscribe('a/#/b', (e) => errs.push(e.message))
  t.client.subscribe([], (e) => errs.push(e.message))
  t.client.subscribe('a', { qos: 5 }, (e) => errs.push(e.message))
  t.client.unsubscribe('x+', (e) => errs.push(e.message))
  t.client.subscribe(42, (e) => errs.push(e.message))
  await tick()
  assert.deepStrictEqual(errs, ['Invalid topic a/#/b', 'Invalid topic empty_topic_list', 'Invalid topic a (invalid qos 5)', 'Invalid topic x+', 'Invalid topic 42'])
})

test('unsubscribe calls back (null, unsuback) and forgets the topic', async () => {
  const t = await connected()
  t.client.subscribe('a', () => {})
  deliver(t, [{ kind: EV.OP_DONE, op: 1, codes: Uint8Array.from([0]) }])
  const got = []
  t.client.unsubscribe(['a'], (...a) => got.push(a))
  assert.deepStrictEqual(t.core().calls.filter((c) => c[0] === 'unsubscribe')[0][1], ['a'])
  deliver(t, [{ kind: EV.OP_DONE, op: 2, codes: Uint8Array.from([0]) }])
  assert.strictEqual(got[0][0], null)
  assert.strictEqual(got[0][1].cmd, 'unsuback')
  t.client.subscribe('a', () => {})
  assert.strictEqual(t.core().calls.filter((c) => c[0] === 'subscribe').length, 2)
})

test('message event: Buffer payload, packet fields, handleMessage hook after the event', async () => {
  const t = await connected()
  const seen = []
  t.client.on('message', (topic, payload, packet) => seen.push(['message', topic, payload.toString(), packet]))
  t.client.handleMessage = (packet, done) => { seen.push(['hook', packet.messageId]); done() }
  deliver(t, [{ kind: EV.MESSAGE, topic: 'temp/1', payload: Uint8Array.from([0x32, 0x31]), qos: 1, retain: true, messageId: 9 }])
  assert.strictEqual(seen.length, 2)
  assert.strictEqual(seen[0][1], 'temp/1')
  assert.strictEqual(seen[0][2], '21')
  const packet = seen[0][3]
  assert.deepStrictEqual(Object.assign({}, packet, { payload: null }), { cmd: 'publish', retain: true, qos: 1, dup: false, length: 12, topic: 'temp/1', payload: null, messageId: 9 })
  assert.ok(Buffer.isBuffer(packet.payload))
  assert.deepStrictEqual(seen[1], ['hook', 9])
})

test('a topic repeated by the next message is not fetched again; flags and ids of each message are its own', async () => {
  const t = await connected()
  const core = t.core()
  let topicCalls = 0
  const evTopic = core.ev_topic
  core.ev_topic = function () { topicCalls++; return evTopic.call(this) }
  const seen = []
  t.client.on('message', (topic, payload, p) => seen.push([topic, p.qos, p.retain, p.dup, p.messageId, p.length]))
  deliver(t, [
    { kind: EV.MESSAGE, topic: 'héat', payload: Uint8Array.from([1]), qos: 2, retain: true, messageId: 65535 },
    { kind: EV.MESSAGE, topic: 'héat', payload: Uint8Array.from([1, 2]), qos: 1, dup: true, messageId: 2 },
    { kind: EV.MESSAGE, topic: 'b', payload: Uint8Array.from([]), qos: 0 }
  ])
  assert.deepStrictEqual(seen, [
    ['héat', 2, true, false, 65535, 2 + 5 + 2 + 1],
    ['héat', 1, false, true, 2, 2 + 5 + 2 + 2],
    ['b', 0, false, false, undefined, 2 + 1]
  ])
  assert.strictEqual(topicCalls, 2)
})

test('a throwing listener does not stop the drive loop', async () => {
  const t = await connected()
  // The glue rethrows listener errors from a timer; capture that timer.
  const thrown = []
  const realSetTimeout = global.setTimeout
  global.setTimeout = (fn) => {
    try { fn() } catch (e) { thrown.push(e) }
  }
  const got = []
  t.client.on('message', (topic) => {
    got.push(topic)
    if (topic === 'a') throw new Error('page bug')
  })
  try {
    deliver(t, [{ kind: EV.MESSAGE, topic: 'a' }, { kind: EV.MESSAGE, topic: 'b' }])
  } finally {
    global.setTimeout = realSetTimeout
  }
  assert.deepStrictEqual(got, ['a', 'b'])
  assert.strictEqual(thrown.length, 1)
  assert.strictEqual(thrown[0].message, 'page bug')
})

test('calls made from listeners are handled in order inside the same drive', async () => {
  const t = await connected()
  const order = []
  t.client.on('message', () => {
    t.client.publish('echo', 'x', () => order.push('echo done'))
    order.push('listener returned')
  })
  t.core().on.publish = function () {
    this.tx.push(Uint8Array.from([0x30]))
    this.queue(EV.OP_DONE, { op: 1 })
  }
  deliver(t, [{ kind: EV.MESSAGE, topic: 'a' }])
  assert.deepStrictEqual(order, ['listener returned', 'echo done'])
  assert.deepStrictEqual(Array.from(t.sock().sent.pop()), [0x30])
})

test('page calls in one job are flushed together after it; large payloads, socket events and closing flush at once', async () => {
  const t = await connected()
  const sock = t.sock()
  sock.sent.length = 0
  const core = t.core()
  let n = 0
  core.on.publish = function () {
    this.tx.push(Uint8Array.from([0x30, n++]))
    this.queue(EV.OP_DONE, { op: n })
  }
  const seenAtCallback = []
  t.client.publish('t', 'a', () => seenAtCallback.push(sock.sent.length))
  t.client.publish('t', 'b')
  t.client.subscribe('s')
  assert.strictEqual(sock.sent.length, 0, 'nothing leaves inside the job that made the calls')
  await tick()
  assert.deepStrictEqual(sock.sent.map((b) => b[1]), [0, 1])
  assert.deepStrictEqual(seenAtCallback, [2], 'a callback finds its bytes sent')

  // Past the coalescing bound the bytes leave inside the call.
  t.client.publish('t', new Uint8Array(40000))
  assert.strictEqual(sock.sent.length, 3)

  // Bytes socket input makes (acks) join them: every WebSocket message read in the job, one flush.
  t.client.publish('t', 'c')
  core.on.handle_bytes = function () { this.tx.push(Uint8Array.from([0x40, 2, 0, 1])) }
  sock.handlers.message(Uint8Array.from([0x30]))
  sock.handlers.message(Uint8Array.from([0x30]))
  assert.strictEqual(sock.sent.length, 3, 'acks wait for the end of the job')
  await tick()
  assert.deepStrictEqual(sock.sent.slice(3).map((b) => b[0]), [0x30, 0x40, 0x40])

  // end(): what was queued is sent before the socket is closed.
  t.client.publish('t', 'd')
  core.on.end = function () {
    this.tx.push(Uint8Array.from([0xe0, 0]))
    this.queue(EV.CLOSE_TRANSPORT)
    this.queue(EV.CLOSED, { code: 1 })
    this.queue(EV.ENDED)
  }
  const closeSeen = []
  sock.close = () => closeSeen.push(sock.sent.map((b) => b[0]).slice(6))
  t.client.end(true)
  assert.deepStrictEqual(closeSeen, [[0x30, 0xe0]])
})

test('socket input: acks and handler publishes leave at the end of the job; past the bound, before a QoS 0 callback, a CONNACK\'s \'connect\' and a close, at once', async () => {
  const t = await connected()
  const sock = t.sock()
  sock.sent.length = 0
  const core = t.core()
  core.on.publish = function (topic, bytes, qos) {
    this.tx.push(Uint8Array.from([0x30, bytes.length >> 8]))
    if (qos === 0) this.queue(EV.OP_DONE, { op: this.nextOp - 1 })
  }
  const ack = () => core.tx.push(Uint8Array.from([0x40, 2, 0, 1]))
  // One message each: its ack, then its event; the handler publishes a reply.
  core.on.handle_bytes = function () { ack(); this.queue(EV.MESSAGE, { topic: 'in' }) }
  const sentAtMessage = []
  const onMessage = (size) => () => { sentAtMessage.push(sock.sent.length); t.client.publish('out', new Uint8Array(size)) }
  for (const [size, expected] of [[16, [0, 0, 0]], [20000, [0, 0, 4]], [40000, [0, 2, 4]]]) {
    t.client.removeAllListeners('message')
    t.client.on('message', onMessage(size))
    sentAtMessage.length = 0
    sock.sent.length = 0
    for (let i = 0; i < 3; i++) sock.handlers.message(Uint8Array.from([0x30]))
    // Below the bound everything waits; past it a handler's publish leaves before the next message.
    assert.deepStrictEqual(sentAtMessage, expected, size + ' B')
    await tick()
    assert.deepStrictEqual(sock.sent.map((b) => b[0]), [0x40, 0x30, 0x40, 0x30, 0x40, 0x30], size + ' B: every ack and reply, in order')
  }

  // A QoS 0 publish's callback, run inside the socket drive, finds its packet handed over:
  // an end(true) there keeps it (the core drops what the driver has not taken).
  t.client.removeAllListeners('message')
  sock.sent.length = 0
  core.on.end = function () {
    this.tx.length = 0
    this.queue(EV.CLOSE_TRANSPORT)
    this.queue(EV.CLOSED, { code: 1 })
    this.queue(EV.ENDED)
  }
  let sentAtCallback = -1
  t.client.once('message', () => t.client.publish('out', 'x', () => { sentAtCallback = sock.sent.length }))
  sock.handlers.message(Uint8Array.from([0x30]))
  assert.deepStrictEqual(sock.sent.map((b) => b[0]), [0x40, 0x30])
  assert.strictEqual(sentAtCallback, 2)
  await tick()

  // A CONNACK's resent packets are on their way when 'connect' is emitted.
  sock.sent.length = 0
  core.on.handle_bytes = function () {
    this.tx.push(Uint8Array.from([0x32, 0]))
    this.queue(EV.CONNECTED, { code: 0, sessionPresent: true })
  }
  let sentAtConnect = -1
  t.client.once('connect', () => { sentAtConnect = sock.sent.length })
  sock.handlers.message(Uint8Array.from([0x20]))
  assert.strictEqual(sentAtConnect, 1)

  // A socket closed by the core (a graceful end completed by this input) gets its bytes first.
  sock.sent.length = 0
  core.on.handle_bytes = function () {
    ack()
    this.tx.push(Uint8Array.from([0xe0, 0]))
    this.queue(EV.CLOSE_TRANSPORT)
  }
  const closeSeen = []
  sock.close = () => closeSeen.push(sock.sent.map((b) => b[0]))
  sock.handlers.message(Uint8Array.from([0x40]))
  assert.deepStrictEqual(closeSeen, [[0x40, 0xe0]])
})

test('end(true) from a message handler: the acks of the job leave first, unless the page published in it', async () => {
  for (const publishFirst of [false, true]) {
    const t = await connected()
    const sock = t.sock()
    sock.sent.length = 0
    const core = t.core()
    core.on.publish = function () { this.tx.push(Uint8Array.from([0x30, 0])) }
    core.on.end = function () {
      this.tx.length = 0 // a forced end drops what the driver has not taken (lifecycle.rs)
      this.queue(EV.CLOSE_TRANSPORT)
      this.queue(EV.CLOSED, { code: 1 })
      this.queue(EV.ENDED)
    }
    core.on.handle_bytes = function () {
      this.tx.push(Uint8Array.from([0x40, 2, 0, 1]))
      this.queue(EV.MESSAGE, { topic: 'in' })
    }
    let messages = 0
    t.client.on('message', () => {
      if (++messages < 3) return
      if (publishFirst) t.client.publish('out', 'x')
      t.client.end(true)
    })
    const closeSeen = []
    sock.close = () => closeSeen.push(sock.sent.map((b) => b[0]))
    for (let i = 0; i < 3; i++) sock.handlers.message(Uint8Array.from([0x30]))
    await tick()
    assert.deepStrictEqual(closeSeen, [publishFirst ? [] : [0x40, 0x40, 0x40]], 'published first: ' + publishFirst)
  }
})

test('close/offline/reconnect events and flags follow MQTT.js', async () => {
  const t = await connected()
  const seen = []
  for (const ev of ['close', 'offline', 'reconnect', 'connect']) t.client.on(ev, () => seen.push(ev))
  t.core().isReconnecting = true
  t.core().on.transport_closed = function () { this.queue(EV.CLOSED, { code: 1 }) }
  t.sock().handlers.close(1006, 'gone')
  assert.deepStrictEqual(t.core().calls.pop(), ['transport_closed'])
  assert.strictEqual(t.client.connected, false)
  assert.strictEqual(t.client.reconnecting, true)
  // A failed retry closes again without a second 'offline'.
  t.core().on.handle_timeout = function () { this.deadline = -1; this.queue(EV.RECONNECTING); this.queue(EV.OPEN_TRANSPORT) }
  t.core().deadline = Date.now()
  t.core().on.publish = function () { return 0 }
  t.client.publish('t', 'x') // any call re-arms the timer
  await new Promise((resolve) => setTimeout(resolve, 10))
  assert.strictEqual(t.platform.sockets.length, 2)
  t.sock().handlers.error(new Error('refused'))
  t.sock().handlers.close(0, '')
  assert.deepStrictEqual(t.core().calls.pop(), ['transport_closed'])
  assert.deepStrictEqual(seen, ['close', 'offline', 'reconnect', 'close'])
  t.core().on.transport_opened = function () { this.queue(EV.CONNECTED, { code: 0 }) }
  t.platform.sockets.length = 1
  t.core().queue(EV.OPEN_TRANSPORT)
  deliver(t, [])
  assert.strictEqual(t.platform.sockets.length, 1, 'events of a stale socket are ignored')
})

test('errors: refused CONNACK carries the return code; other kinds carry their name', async () => {
  const t = await connected()
  const errs = []
  t.client.on('error', (e) => errs.push(e))
  deliver(t, [
    { kind: EV.ERROR, code: 5, name: 'connection_refused', text: 'Connection refused' },
    { kind: EV.ERROR, code: 0, name: 'client_id_taken', text: 'Client id in use' },
    { kind: EV.ERROR, code: 0x86, name: 'connection_refused', text: 'Connection refused' },
    { kind: EV.ERROR, code: 0x8B, name: 'connection_refused', text: 'Connection refused' }
  ])
  assert.ok(errs[0] instanceof ErrorWithReasonCode)
  assert.strictEqual(errs[0].code, 5)
  assert.strictEqual(errs[0].message, 'Connection refused: Not authorized')
  assert.strictEqual(errs[1].code, 'client_id_taken')
  assert.strictEqual(errs[1].message, 'Client id in use')
  // MQTT.js' own words for v5 codes; a code outside its table is named, not 'undefined'
  assert.strictEqual(errs[2].message, 'Connection refused: Bad User Name or Password')
  assert.strictEqual(errs[3].message, 'Connection refused: Server shutting down')
})

test('end(): waits for the core, emits end then calls back once; no timer or socket after', async () => {
  const t = await connected()
  t.core().deadline = Date.now() + 60000
  t.client.publish('t', 'x', { qos: 0 }) // arms the keepalive-like timer
  assert.ok(t.client._timer)
  const order = []
  t.client.on('end', () => order.push('end'))
  t.core().on.end = function () {} // graceful: the core waits for in-flight messages
  t.client.end((...a) => order.push(['cb', a]))
  // A second end() while the first waits is answered at once (MQTT.js: `if (disconnecting) cb()`).
  t.client.end(() => order.push('cb2'))
  assert.strictEqual(t.client.disconnecting, true)
  assert.deepStrictEqual(order, ['cb2'])
  deliver(t, [{ kind: EV.CLOSE_TRANSPORT }, { kind: EV.CLOSED, code: 1 }, { kind: EV.ENDED }])
  // The callback gets the stores' close error, undefined here (MQTT.js: cb(e1 || e2)).
  assert.deepStrictEqual(order, ['cb2', 'end', ['cb', [undefined]]])
  assert.deepStrictEqual(t.core().calls.filter((c) => c[0] === 'end'), [['end', false, 0, undefined]])
  assert.strictEqual(t.client._timer, null)
  assert.deepStrictEqual(t.sock().closed, [1000, ''])
  assert.strictEqual(t.platform.unwatched, 1)
  assert.strictEqual(t.client.disconnected, true)
  const late = []
  t.client.end(true, () => late.push('late'))
  await tick()
  assert.deepStrictEqual(late, ['late'])
  const errs = []
  t.client.publish('t', 'x', (e) => errs.push(e.message))
  await tick()
  assert.deepStrictEqual(errs, ['client disconnecting'])
})

test('end(force, {reasonCode}) before the core loads never connects', async () => {
  const t = make('wss://h/mqtt', { protocolVersion: 5 })
  const done = []
  t.client.end(true, { reasonCode: 4 }, () => done.push('cb'))
  await tick()
  assert.deepStrictEqual(t.core().callNames(), ['end'])
  // 0x100: end(true) keeps QoS 1/2 work for a reconnect (reconnectPeriod is not 0).
  assert.deepStrictEqual(t.core().calls[0], ['end', true, 0x100 | 4, undefined])
  assert.deepStrictEqual(done, ['cb'])
  assert.strictEqual(t.platform.sockets.length, 0)
})

test('reconnect() after end revives the client', async () => {
  const t = await connected()
  t.client.end()
  t.client.reconnect()
  assert.strictEqual(t.client.disconnecting, false)
  assert.strictEqual(t.core().calls.pop()[0], 'reconnect')
  assert.ok(t.platform.lifecycle, 'lifecycle watched again')
})

test('manualConnect waits for connect(); lifecycle hooks reach the core', async () => {
  const t = make('wss://h/mqtt', { manualConnect: true })
  await tick()
  assert.deepStrictEqual(t.core().callNames(), [])
  t.client.connect()
  assert.deepStrictEqual(t.core().callNames(), ['connect'])
  t.platform.lifecycle.hide()
  t.platform.lifecycle.show()
  t.platform.lifecycle.offline()
  t.platform.lifecycle.online()
  assert.deepStrictEqual(t.core().calls.slice(1), [['set_suspended', true], ['set_suspended', false], ['network_changed', false], ['network_changed', true]])
})

test('core load failure: error event, queued callbacks fail, end still completes', async () => {
  const t = makeEnv()
  t.env.loadCore = () => Promise.reject(new Error('wasm missing'))
  const client = new MqttClient(options.mergeUrl('wss://h/mqtt'), t.env)
  const errs = []
  client.on('error', (e) => errs.push('event:' + e.message))
  client.publish('t', 'x', (e) => errs.push('cb:' + e.message))
  await tick()
  await tick()
  client.subscribe('t', (e) => errs.push('sub:' + e.message))
  client.end(() => errs.push('end'))
  await tick()
  assert.deepStrictEqual(errs, ['event:wasm missing', 'cb:wasm missing', 'sub:wasm missing', 'end'])
})

test('a bad Core option surfaces as an error event', async () => {
  const t = makeEnv((core) => { throw new Error('keepalive: must be <= 65535') })
  const client = new MqttClient(options.mergeUrl('wss://h/mqtt'), t.env)
  const errs = []
  client.on('error', (e) => errs.push(e.message))
  await tick()
  assert.deepStrictEqual(errs, ['keepalive: must be <= 65535'])
})

test('credentialsProvider: promise and callback styles, failures, stale answers', async () => {
  const setup = (core) => {
    core.on.connect = function () { this.queue(EV.NEED_CREDENTIALS, { code: 1 }) }
  }
  const t = make('wss://h/mqtt', { credentialsProvider: async (cb, info) => ({ username: 'u', password: Uint8Array.from([1]), clientId: 'dev-' + info.attempt }) }, setup)
  await tick()
  await tick()
  assert.strictEqual(t.core().options.credentialsProvider, true)
  const answer = t.core().calls.find((c) => c[0] === 'provide_credentials')
  assert.deepStrictEqual([answer[1], Array.from(answer[2]), answer[3]], ['u', [1], 'dev-1'])
  assert.strictEqual(t.client.options.clientId, 'dev-1')

  let later
  const t2 = make('wss://h/mqtt', { credentialsProvider: (cb) => { later = cb } }, setup)
  await tick()
  t2.core().queue(EV.NEED_CREDENTIALS, { code: 2 })
  const first = later
  t2.client.publish('t', 'x') // drives the queued NEED_CREDENTIALS(2)
  first(null, { username: 'stale', password: 'p' })
  assert.strictEqual(t2.core().calls.filter((c) => c[0] === 'provide_credentials').length, 0, 'stale answer dropped')
  later(new Error('token service down'))
  later(null, { username: 'twice' })
  assert.deepStrictEqual(t2.core().calls.filter((c) => /credentials/.test(c[0])), [['credentials_failed', 'token service down']])
})

test('socket URL: servers rotate, transformWsUrl sees (url, options, client), mqttv3.1 subprotocol', async () => {
  const seen = []
  const t = make(null, {
    protocol: 'wxs',
    protocolVersion: 3,
    protocolId: 'MQIsdp',
    servers: [{ host: 'a.test', port: 443 }, { host: 'b.test', port: 8084, protocol: 'wx' }],
    path: '/mqtt',
    transformWsUrl: (u, o, c) => { seen.push([u, o.clientId === c.options.clientId]); return u + '?sig=1' }
  })
  await tick()
  t.core().queue(EV.OPEN_TRANSPORT)
  t.client.publish('t', 'x')
  t.core().queue(EV.OPEN_TRANSPORT)
  t.client.publish('t', 'x')
  assert.deepStrictEqual(t.platform.sockets.map((s) => s.url), ['wss://a.test/mqtt?sig=1', 'ws://b.test:8084/mqtt?sig=1', 'wss://a.test/mqtt?sig=1'])
  assert.deepStrictEqual(seen.map((s) => s[1]), [true, true, true])
  assert.deepStrictEqual(t.sock().opts.protocols, ['mqttv3.1'])
  assert.strictEqual(t.platform.sockets[0].closed[0], 1000, 'a new OPEN_TRANSPORT closes the old socket')
})

test('a socket that cannot be opened counts as a closed transport', async () => {
  const t = make('wss://h/mqtt')
  t.platform.openSocket = () => { throw new Error('too many sockets') }
  const errs = []
  t.client.on('error', (e) => errs.push(e.message))
  await tick()
  assert.deepStrictEqual(t.core().calls.pop(), ['transport_closed'])
  assert.deepStrictEqual(errs, ['too many sockets'])
})

test('timer: one timer re-armed from poll_timeout, handle_timeout when due', async () => {
  const t = await connected()
  const core = t.core()
  core.deadline = Date.now() + 20
  core.on.publish = function () { return 0 }
  t.client.publish('t', 'x')
  const first = t.client._timer
  t.client.publish('t', 'y') // same deadline: same timer
  assert.strictEqual(t.client._timer, first)
  core.on.handle_timeout = function () { this.deadline = -1 }
  await new Promise((resolve) => setTimeout(resolve, 40))
  assert.strictEqual(core.callNames().filter((n) => n === 'handle_timeout').length, 1)
  assert.strictEqual(t.client._timer, null)
})

test('packet events are enabled only when listened to', async () => {
  const t = await connected()
  assert.deepStrictEqual(t.core().calls.filter((c) => c[0] === 'set_packet_events'), [])
  const seen = []
  t.client.on('packetsend', (p) => seen.push(p))
  t.client.once('packetreceive', (p) => seen.push(p))
  assert.deepStrictEqual(t.core().calls.filter((c) => c[0] === 'set_packet_events'), [['set_packet_events', true]])
  const connect = { cmd: 'connect', clientId: 'c' }
  const publish = { cmd: 'publish', topic: 't', messageId: 1 }
  const puback = { cmd: 'puback', messageId: 1, length: 2 }
  // The first CONNECT is not shown (MQTT.js writes it inside mqtt.connect()); a reconnection's is.
  deliver(t, [connect, publish].map((packet) => ({ kind: EV.PACKET_SENT, packet })).concat(
    [{ kind: EV.PACKET_RECEIVED, packet: puback }, { kind: EV.RECONNECTING }, { kind: EV.PACKET_SENT, packet: connect }, { kind: EV.OUTGOING_EMPTY }]))
  assert.deepStrictEqual(seen, [publish, puback, connect])
})

test('v5: connack reasonCode/properties, disconnect packet, handleAuth answers', async () => {
  const t = make('wss://h/mqtt', { protocolVersion: 5 }, (core) => {
    happyCore(core)
    core.on.transport_opened = function () { this.queue(EV.CONNECTED, { code: 0, sessionPresent: true, properties: { topicAliasMaximum: 10 } }) }
  })
  let connack
  t.client.on('connect', (p) => { connack = p })
  await tick()
  t.sock().handlers.open()
  assert.strictEqual(connack.reasonCode, 0)
  assert.strictEqual(connack.sessionPresent, true)
  assert.deepStrictEqual(connack.properties, { topicAliasMaximum: 10 })
  const got = []
  t.client.on('disconnect', (p) => got.push(p))
  t.client.handleAuth = (packet, cb) => { got.push(packet); cb(null, { reasonCode: 0x18, properties: { authenticationMethod: 'm', authenticationData: 'd' } }) }
  deliver(t, [{ kind: EV.SERVER_DISCONNECT, code: 0x8e }, { kind: EV.AUTH, code: 0x18, properties: { authenticationMethod: 'm' } }])
  assert.deepStrictEqual(got[0], { cmd: 'disconnect', reasonCode: 0x8e })
  assert.deepStrictEqual(got[1], { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'm' } })
  const auth = t.core().calls.find((c) => c[0] === 'send_auth')
  assert.strictEqual(auth[1], 0x18)
  assert.ok(auth[2].authenticationData instanceof Uint8Array)
})

test('removeOutgoingMessage and getLastMessageId go to the core', async () => {
  const t = await connected()
  assert.strictEqual(t.client.getLastMessageId(), null)
  t.core().lastId = 12
  assert.strictEqual(t.client.getLastMessageId(), 12)
  t.client.removeOutgoingMessage(12)
  assert.deepStrictEqual(t.core().calls.pop(), ['remove_outgoing', 12])
})

test('Promise forms resolve and reject', async () => {
  const t = await connected()
  const p1 = t.client.publishAsync('t', 'x', { qos: 1 })
  const p2 = t.client.subscribeAsync('s')
  const p3 = t.client.unsubscribeAsync('s')
  deliver(t, [
    { kind: EV.OP_DONE, op: 1, messageId: 3 },
    { kind: EV.OP_DONE, op: 2, codes: Uint8Array.from([0]) },
    { kind: EV.OP_FAILED, op: 3, text: 'Connection closed' }
  ])
  assert.strictEqual((await p1).messageId, 3)
  assert.deepStrictEqual(await p2, [{ topic: 's', qos: 0 }])
  await assert.rejects(p3, /Connection closed/)
  await t.client.endAsync()
  assert.strictEqual(t.client.disconnected, true)
})

test('MqttClient(streamBuilder, options) is refused clearly', () => {
  assert.throws(() => new MqttClient(() => {}, {}), /not supported/)
})

test('a socket that fails before opening is reported as "Connection failed", with the platform\'s hint when it has one', async () => {
  const failed = async (hint) => {
    const t = make('ws://h.test/mqtt', { reconnectPeriod: 0 })
    if (hint) t.platform.connectionFailedHint = hint
    const errs = []
    t.client.on('error', (e) => errs.push([e.message, e.code]))
    await tick()
    t.sock().handlers.error(new Error('refused'))
    t.sock().handlers.close(1006, '')
    assert.deepStrictEqual(t.core().calls.pop(), ['transport_closed'])
    return errs
  }
  assert.deepStrictEqual(await failed(null), [['Connection failed: refused', 'connection_failed']])
  const asked = []
  const hint = (url) => { asked.push(url); return ' (hint)' }
  assert.deepStrictEqual(await failed(hint), [['Connection failed: refused (hint)', 'connection_failed']])
  assert.deepStrictEqual(asked, ['ws://h.test/mqtt'])
})
