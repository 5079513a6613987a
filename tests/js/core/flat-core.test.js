'use strict'
// The flat JS/wasm boundary (js-glue/core/flat-core.js + src/wasm) with the real core build:
// options and properties as records, slices out, buffers in, a growing heap. Bytes on the wire
// are checked with mqtt-packet, an independent codec.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const mqttPacket = require('mqtt-packet')
const { coreClass, coreImports } = require('../../../js-glue/core/flat-core')
const record = require('../../../js-glue/core/record')

const WASM = path.join(__dirname, '../../../build/wasm/mpmqtt_bg.wasm')
const skip = fs.existsSync(WASM) ? false : 'build/wasm is missing: run scripts/build-wasm first'

async function newCoreClass () {
  let exports = null
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(WASM), {
    './mpmqtt_bg.js': coreImports(() => exports)
  })
  exports = instance.exports
  return { Core: coreClass(exports), exports }
}

/** Every packet the core wrote since the last call, parsed. */
function sent (core, protocolVersion) {
  const parser = mqttPacket.parser({ protocolVersion })
  const packets = []
  parser.on('packet', (p) => packets.push(p))
  parser.on('error', (e) => { throw e })
  for (let b; (b = core.poll_transmit()) !== undefined;) parser.parse(Buffer.from(b))
  return packets
}

/** mqtt-packet builds null-prototype objects: compare their contents. */
const plain = (o) => JSON.parse(JSON.stringify(o))

function drain (core) {
  const kinds = []
  for (let k; (k = core.poll_event()) !== 0;) kinds.push(k)
  return kinds
}

/** A connected v5 core, CONNECT already taken. */
function connected (Core, options, connack) {
  const core = new Core(Object.assign({ clientId: 'flat', protocolVersion: 5, keepalive: 0 }, options))
  core.connect(0)
  core.transport_opened(0)
  sent(core, 5)
  core.handle_bytes(0, mqttPacket.generate(Object.assign({ cmd: 'connack', reasonCode: 0, sessionPresent: false }, connack), { protocolVersion: 5 }))
  return core
}

test('options with a wrong type fail with the field named', { skip }, async () => {
  const { Core } = await newCoreClass()
  const cases = [
    [{ clientId: 5 }, /clientId must be a string/],
    [{ protocolVersion: 6 }, /protocolVersion must be 3, 4 or 5/],
    [{ keepalive: 70000 }, /keepalive must be 0\.\.65535/],
    [{ keepalive: '30' }, /keepalive must be/],
    [{ will: { payload: 'x' } }, /will\.topic is required/],
    [{ password: () => {} }, /password must be a string or bytes/],
    [{ protocolVersion: 5, properties: { userProperties: { a: 1 } } }, /userProperties must map names to strings/],
    ['not an object', /options must be an object/]
  ]
  for (const [options, message] of cases) assert.throws(() => new Core(options), message, JSON.stringify(options))
  const cyclic = { a: 'x' }
  cyclic.self = cyclic
  assert.throws(() => new Core({ protocolVersion: 5, properties: { userProperties: cyclic } }), /userProperties/)
})

test('CONNECT carries every option and v5 property as given', { skip }, async () => {
  const { Core } = await newCoreClass()
  const core = new Core({
    clientId: 'ü-client',
    protocolVersion: 5,
    clean: false,
    keepalive: 42,
    username: 'user',
    password: new Uint8Array([0, 1, 255]),
    will: { topic: 'w/t', payload: 'bye', qos: 1, retain: true, properties: { willDelayInterval: 9, contentType: 'text/plain' } },
    properties: {
      sessionExpiryInterval: 3600,
      receiveMaximum: 20,
      userProperties: { a: ['1', '2'], b: '3' },
      authenticationMethod: 'm',
      authenticationData: new Uint8Array([7, 8])
    }
  })
  core.connect(0)
  core.transport_opened(0)
  const [connect] = sent(core, 5)
  assert.strictEqual(connect.cmd, 'connect')
  assert.strictEqual(connect.clientId, 'ü-client')
  assert.strictEqual(connect.clean, false)
  assert.strictEqual(connect.keepalive, 42)
  assert.strictEqual(connect.username, 'user')
  assert.deepStrictEqual([...connect.password], [0, 1, 255])
  assert.strictEqual(connect.will.topic, 'w/t')
  assert.strictEqual(connect.will.payload.toString(), 'bye')
  assert.strictEqual(connect.will.qos, 1)
  assert.strictEqual(connect.will.retain, true)
  assert.deepStrictEqual(plain(connect.will.properties), { willDelayInterval: 9, contentType: 'text/plain' })
  assert.strictEqual(connect.properties.sessionExpiryInterval, 3600)
  assert.strictEqual(connect.properties.receiveMaximum, 20)
  assert.deepStrictEqual(plain(connect.properties.userProperties), { a: ['1', '2'], b: '3' })
  assert.strictEqual(connect.properties.authenticationMethod, 'm')
  assert.deepStrictEqual([...connect.properties.authenticationData], [7, 8])
  assert.strictEqual(core.client_id(), 'ü-client')
})

test('CONNACK and PUBLISH properties reach the page with MQTT.js names and types', { skip }, async () => {
  const { Core } = await newCoreClass()
  const core = connected(Core, {}, {
    sessionPresent: true,
    properties: { topicAliasMaximum: 5, maximumQoS: 1, retainAvailable: false, userProperties: { x: ['1', '2'], y: 'z' }, authenticationData: Buffer.from([1, 2, 3]) }
  })
  let props
  let sessionPresent
  for (let k; (k = core.poll_event()) !== 0;) {
    if (k === 4) {
      props = core.ev_properties()
      sessionPresent = core.ev_session_present()
    }
  }
  assert.strictEqual(sessionPresent, true)
  assert.strictEqual(props.topicAliasMaximum, 5)
  assert.strictEqual(props.maximumQoS, 1)
  assert.strictEqual(props.retainAvailable, false)
  assert.deepStrictEqual(props.userProperties, { x: ['1', '2'], y: 'z' })
  assert.ok(props.authenticationData instanceof Uint8Array)
  assert.deepStrictEqual([...props.authenticationData], [1, 2, 3])

  const payload = Buffer.alloc(70000, 0x61) // over the native-copy threshold and the initial heap page
  core.handle_bytes(0, mqttPacket.generate({
    cmd: 'publish',
    topic: 't/ä',
    payload,
    qos: 1,
    messageId: 77,
    retain: true,
    properties: { correlationData: Buffer.from([9]), subscriptionIdentifier: [3, 4], contentType: 'c', userProperties: { k: 'v' } }
  }, { protocolVersion: 5 }))
  let message
  for (let k; (k = core.poll_event()) !== 0;) {
    if (k === 5) {
      const flags = core.ev_flags()
      message = { topic: core.ev_topic(), payload: core.ev_payload(), qos: flags & 3, retain: (flags & 4) !== 0, id: flags >>> 16, props: core.ev_properties() }
    }
  }
  assert.strictEqual(message.topic, 't/ä')
  assert.strictEqual(message.qos, 1)
  assert.strictEqual(message.retain, true)
  assert.strictEqual(message.id, 77)
  assert.strictEqual(message.payload.length, payload.length)
  assert.ok(message.payload.every((b) => b === 0x61))
  assert.deepStrictEqual(message.props.subscriptionIdentifier, [3, 4])
  assert.deepStrictEqual([...message.props.correlationData], [9])
  assert.strictEqual(message.props.contentType, 'c')
  assert.deepStrictEqual(message.props.userProperties, { k: 'v' })
})

test('publish, subscribe and unsubscribe put what the page gave on the wire; bad input fails the op', { skip }, async () => {
  const { Core } = await newCoreClass()
  const core = connected(Core, {}, {})
  drain(core)
  const big = new Uint8Array(3 * 1024 * 1024).fill(0x5a) // forces memory.grow between calls
  core.publish(0, 'a/b', big, 1, false, false, { messageExpiryInterval: 5, userProperties: { u: ['1', '2'] } })
  core.publish(0, 'a/b', new Uint8Array([1]), 0, true, false, undefined)
  core.subscribe(0, [{ topic: 's/#', qos: 2, nl: true, rap: true, rh: 1 }], { subscriptionIdentifier: 12 })
  core.unsubscribe(0, ['s/#'], { userProperties: { why: 'done' } })
  const packets = sent(core, 5)
  assert.deepStrictEqual(packets.map((p) => p.cmd), ['publish', 'publish', 'subscribe', 'unsubscribe'])
  assert.strictEqual(packets[0].payload.length, big.length)
  assert.strictEqual(packets[0].payload[big.length - 1], 0x5a)
  assert.deepStrictEqual(plain(packets[0].properties), { messageExpiryInterval: 5, userProperties: { u: ['1', '2'] } })
  assert.strictEqual(packets[1].retain, true)
  assert.deepStrictEqual(plain(packets[2].subscriptions), [{ topic: 's/#', qos: 2, nl: true, rap: true, rh: 1 }])
  assert.strictEqual(packets[2].properties.subscriptionIdentifier, 12)
  assert.deepStrictEqual(packets[3].unsubscriptions, ['s/#'])
  assert.deepStrictEqual(plain(packets[3].properties.userProperties), { why: 'done' })

  const op = core.subscribe(0, [{ topic: 'x', qos: 3 }], undefined)
  const badProps = core.publish(0, 't', new Uint8Array(0), 0, false, false, { topicAlias: 'one' })
  const failures = {}
  for (let k; (k = core.poll_event()) !== 0;) if (k === 7) failures[core.ev_op()] = core.ev_text()
  assert.match(failures[op], /Invalid QoS/)
  assert.match(failures[badProps], /topicAlias/)
  assert.deepStrictEqual(sent(core, 5), [], 'nothing invalid reaches the wire')
})

test('payloads: a view of the socket message when whole, a copy when split; never stale', { skip }, async () => {
  const { Core } = await newCoreClass()
  const core = connected(Core, {}, {})
  drain(core)
  const publish = (topic, fill, size) => mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(size, fill), qos: 0 }, { protocolVersion: 5 })
  const messages = () => {
    const out = []
    for (let k; (k = core.poll_event()) !== 0;) if (k === 5) out.push({ topic: core.ev_topic(), payload: core.ev_payload() })
    return out
  }
  // Two whole packets in one message: both views of that message.
  const two = new Uint8Array(Buffer.concat([publish('a', 1, 300), publish('b', 2, 5000)]))
  core.handle_bytes(0, two)
  const [a, b] = messages()
  assert.strictEqual(a.payload.buffer, two.buffer)
  assert.strictEqual(b.payload.buffer, two.buffer)
  assert.ok(a.payload.every((x) => x === 1) && a.payload.length === 300)
  assert.ok(b.payload.every((x) => x === 2) && b.payload.length === 5000)
  // One packet split across three messages: reassembled in the core, handed out as a copy.
  const split = new Uint8Array(publish('c', 3, 70000))
  const parts = [split.slice(0, 10), split.slice(10, 40000), split.slice(40000)]
  for (const part of parts) core.handle_bytes(0, part)
  const [c] = messages()
  assert.ok(parts.every((part) => c.payload.buffer !== part.buffer), 'a copy, not a view of any part')
  assert.strictEqual(c.payload.length, 70000)
  assert.ok(c.payload.every((x) => x === 3))
  // A split packet's tail and a whole packet after it in the same message.
  const first = new Uint8Array(publish('d', 4, 100))
  const tailAndNext = new Uint8Array(Buffer.concat([Buffer.from(first.slice(50)), publish('e', 5, 200)]))
  core.handle_bytes(0, first.slice(0, 50))
  core.handle_bytes(0, tailAndNext)
  const [d, e] = messages()
  assert.ok(d.payload.length === 100 && d.payload.every((x) => x === 4))
  assert.ok(e.payload.length === 200 && e.payload.every((x) => x === 5))
  // Earlier payloads are unchanged by everything that came after.
  assert.ok(a.payload.every((x) => x === 1) && b.payload.every((x) => x === 2) && c.payload.every((x) => x === 3))
})

test('records: what the glue writes reads back the same, and malformed bytes are refused', () => {
  const value = { n: 1.5, t: true, f: false, s: 'ü', b: new Uint8Array([0, 255]), a: [1, 'x', [2]], o: { deep: { er: 'yes' } }, gone: undefined }
  const bytes = record.encode(value)
  const back = record.decode(bytes, 0, bytes.length)
  assert.deepStrictEqual(back, { n: 1.5, t: true, f: false, s: 'ü', b: new Uint8Array([0, 255]), a: [1, 'x', [2]], o: { deep: { er: 'yes' } }, gone: undefined })
  assert.throws(() => record.decode(bytes, 0, bytes.length - 1), /malformed record/)
  const proto = record.encode({ userProperties: JSON.parse('{"__proto__": ["a", "b"], "k": "v"}') })
  const props = record.decode(proto, 0, proto.length)
  assert.deepStrictEqual(Object.keys(props.userProperties), ['__proto__', 'k'])
  assert.strictEqual(Object.getPrototypeOf(props.userProperties), Object.prototype)
  assert.throws(() => record.decode(new Uint8Array([42]), 0, 1), /malformed record/)
})
