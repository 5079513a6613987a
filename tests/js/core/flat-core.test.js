'use strict'
// The flat JS/wasm boundary (js-glue/core/flat-core.js + src/wasm) with the real core build:
// options and the page's properties as records, the broker's properties as section bytes,
// slices out, buffers in, a growing heap. Bytes on the wire
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
    [{ protocolVersion: 5, properties: { receiveMaximum: 0 } }, /properties\.receiveMaximum must be 1\.\.65535/],
    [{ protocolVersion: 5, properties: { maximumPacketSize: 0 } }, /properties\.maximumPacketSize must be at least 1/],
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
})

test('CONNACK and PUBLISH properties reach the page with MQTT.js names and types', { skip }, async () => {
  const { Core } = await newCoreClass()
  // A resumable session (clean: false): a broker may not claim one after a clean start.
  const core = connected(Core, { clean: false }, {
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

test('payloads from 1 KiB stay in JS: sent byte-exact, shown in packetsend, let go once the core is done with them', { skip }, async () => {
  const { Core } = await newCoreClass()
  const core = connected(Core, {}, {})
  core.set_packet_events(true)
  drain(core)
  const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)
  const sizes = [1023, 1024, 1025, 65536]
  const payloads = sizes.map((n, i) => bytes(n, i))
  payloads.forEach((p) => core.publish(0, 'k', p, 0, false, false, undefined, 0))
  const q1 = bytes(4096, 9)
  core.publish(0, 'k', q1, 1, false, false, undefined, 0)
  // Kept by reference from 1 KiB (the core never saw the bytes): four, 1023 B copied in.
  assert.deepStrictEqual([...core._kept.values()].map(([p]) => p), payloads.slice(1).concat([q1]))
  const packets = sent(core, 5)
  assert.deepStrictEqual(packets.map((p) => p.payload.length), sizes.concat([4096]))
  packets.forEach((p, i) => assert.ok(Buffer.from(i < 4 ? payloads[i] : q1).equals(p.payload), 'payload ' + i))
  // Sent, but the PACKET_SENT events still name the QoS 0 ones: kept until they are read.
  assert.strictEqual(core._kept.size, 4)
  const shown = []
  for (let k; (k = core.poll_event()) !== 0;) if (k === 13) shown.push(core.ev_packet(record.decode, (b) => b))
  assert.deepStrictEqual(shown.map((p) => p.payload.length), sizes.concat([4096]))
  shown.forEach((p, i) => assert.deepStrictEqual([...p.payload], [...(i < 4 ? payloads[i] : q1)], 'packetsend payload ' + i))
  assert.strictEqual(sent(core, 5).length, 0)
  // The QoS 1 one waits for its PUBACK.
  assert.deepStrictEqual([...core._kept.values()].map(([p]) => p), [q1])
  core.handle_bytes(0, mqttPacket.generate({ cmd: 'puback', messageId: packets[4].messageId, reasonCode: 0 }, { protocolVersion: 5 }))
  drain(core)
  sent(core, 5)
  assert.strictEqual(core._kept.size, 0)
})

test('subscribe filters without v5 options get the defaults; the page\'s packet id is used when in 1-65535', { skip }, async () => {
  const { Core } = await newCoreClass()
  const core = connected(Core, {}, {})
  drain(core)
  core.subscribe(0, [{ topic: 'd', qos: 1 }], undefined, 4242)
  core.unsubscribe(0, ['d'], undefined, 65535)
  // Out of range: the core picks the id, rather than 70000 wrapping into 4464.
  core.subscribe(0, [{ topic: 'e', qos: 0 }], undefined, 70000)
  core.unsubscribe(0, ['e'], undefined, -1)
  const packets = sent(core, 5)
  assert.deepStrictEqual(packets.map((p) => p.cmd), ['subscribe', 'unsubscribe', 'subscribe', 'unsubscribe'])
  assert.deepStrictEqual(plain(packets[0].subscriptions), [{ topic: 'd', qos: 1, nl: false, rap: false, rh: 0 }])
  assert.deepStrictEqual([packets[0].messageId, packets[1].messageId], [4242, 65535])
  for (const p of packets.slice(2)) assert.ok(p.messageId > 0 && p.messageId !== 4464 && p.messageId !== 4242 && p.messageId !== 65535, String(p.messageId))
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

test('records: the glue writes the layout src/wasm/record.rs reads', () => {
  const bytes = record.encode({ n: 1.5, t: true, s: 'ü', b: new Uint8Array([0, 255]), a: [false], gone: undefined, f: () => 1 })
  const u32 = (n) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24]
  const key = (k) => [...u32(k.length), ...Buffer.from(k)]
  const body = [
    ...key('n'), 3, ...new Uint8Array(new Float64Array([1.5]).buffer),
    ...key('t'), 2,
    ...key('s'), 4, ...u32(2), 0xc3, 0xbc,
    ...key('b'), 5, ...u32(2), 0, 255,
    ...key('a'), 7, ...u32(1), 1,
    ...key('gone'), 0,
    ...key('f'), 8
  ]
  assert.deepStrictEqual([...bytes], [6, ...u32(body.length), ...body])
})

test('properties from the broker: every kind reads as mqtt-packet reads it, through the real core', { skip }, async () => {
  const { Core } = await newCoreClass()
  /** What the page gets for `packet` (generated and parsed by mqtt-packet) fed to the core. */
  const pageSees = (core, packet, eventKind) => {
    core.handle_bytes(0, mqttPacket.generate(packet, { protocolVersion: 5 }))
    let props
    for (let k; (k = core.poll_event()) !== 0;) if (k === eventKind) props = core.ev_properties()
    return props
  }
  const mqttjsSees = (packet) => {
    const parser = mqttPacket.parser({ protocolVersion: 5 })
    let parsed
    parser.on('packet', (p) => { parsed = p })
    parser.parse(mqttPacket.generate(packet, { protocolVersion: 5 }))
    return parsed.properties
  }
  // Binary values are Uint8Arrays here and Buffers in mqtt-packet: compare them as byte lists.
  const comparable = (props) => JSON.parse(JSON.stringify(props, (k, v) => v instanceof Uint8Array || (v && v.type === 'Buffer') ? [...(v.data || v)] : v))
  const connack = {
    cmd: 'connack',
    reasonCode: 0,
    sessionPresent: false,
    properties: {
      sessionExpiryInterval: 4294967295,
      receiveMaximum: 65535,
      maximumQoS: 1,
      retainAvailable: true,
      maximumPacketSize: 1048576,
      assignedClientIdentifier: 'given-ü',
      topicAliasMaximum: 3,
      reasonString: 'fine',
      // a real "__proto__" key, as a broker may send one
      userProperties: JSON.parse('{"__proto__": "p", "a": ["1", "2"], "b": ""}'),
      wildcardSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: false,
      serverKeepAlive: 30,
      responseInformation: 'ri',
      serverReference: 'other:1883',
      authenticationMethod: 'SCRAM',
      authenticationData: Buffer.from([0, 1, 255])
    }
  }
  // The client allows topic aliases, so the broker's PUBLISH may carry one.
  const core = new Core({ clientId: 'props', protocolVersion: 5, keepalive: 0, properties: { topicAliasMaximum: 5 } })
  core.connect(0)
  core.transport_opened(0)
  sent(core, 5)
  const fromConnack = pageSees(core, connack, 4)
  assert.deepStrictEqual(Object.keys(fromConnack.userProperties), ['__proto__', 'a', 'b'])
  assert.strictEqual(Object.getPrototypeOf(fromConnack.userProperties), Object.prototype, 'a "__proto__" name stays a property')
  assert.deepStrictEqual(comparable(fromConnack), comparable(mqttjsSees(connack)))
  assert.strictEqual(fromConnack.sessionExpiryInterval, 4294967295)
  assert.ok(fromConnack.authenticationData instanceof Uint8Array)

  const publish = {
    cmd: 'publish',
    topic: 't',
    payload: 'x',
    qos: 0,
    properties: {
      payloadFormatIndicator: true,
      messageExpiryInterval: 60,
      topicAlias: 2,
      responseTopic: 'reply/ä',
      correlationData: Buffer.from('corr'),
      userProperties: { k: 'v' },
      subscriptionIdentifier: [1, 268435455],
      contentType: 'text/plain'
    }
  }
  assert.deepStrictEqual(comparable(pageSees(core, publish, 5)), comparable(mqttjsSees(publish)))
  // (a broker must not send a Session Expiry Interval in DISCONNECT: the core refuses one)
  const disconnect = { cmd: 'disconnect', reasonCode: 0x8b, properties: { reasonString: 'bye', userProperties: { why: ['a', 'b'] }, serverReference: 's' } }
  assert.deepStrictEqual(comparable(pageSees(core, disconnect, 11)), comparable(mqttjsSees(disconnect)))
})

test('properties from the broker: section bytes read as MQTT.js names, and a byte the core never writes is refused', { skip }, async () => {
  const { decode, byIdentifier } = require('../../../js-glue/core/properties')
  const { exports } = await newCoreClass()
  const table = exports.mq_property_names() >>> 0
  const tableLength = new DataView(exports.memory.buffer).getUint32(exports.mq_out_slot() >>> 0, true)
  const names = byIdentifier(Buffer.from(exports.memory.buffer, table, tableLength).toString())
  assert.strictEqual(names.filter(Boolean).length, 27, 'every property a broker may send, and the three only a client sends (packetsend)')
  const str = (s) => [0, Buffer.byteLength(s), ...Buffer.from(s)]
  const section = [0x0b, 0xff, 0xff, 0xff, 0x7f, 0x0b, 0x05, 0x26, ...str('n'), ...str('1'), 0x26, ...str('n'), ...str('2'), 0x26, ...str('n'), ...str('3'), 0x01, 0x00, 0x24, 0x02]
  const bytes = new Uint8Array([9, ...section, 9])
  assert.deepStrictEqual(decode(bytes, 1, bytes.length - 1, names), {
    subscriptionIdentifier: [268435455, 5],
    userProperties: { n: ['1', '2', '3'] },
    payloadFormatIndicator: false,
    maximumQoS: 2
  })
  assert.deepStrictEqual(decode(bytes, 1, 1, names), {})
  // Properties only a client sends are named too (the core describes the packets it sends)
  assert.deepStrictEqual(decode(new Uint8Array([0x18, 0, 0, 0, 1, 0x17, 1]), 0, 7, names), { willDelayInterval: 1, requestProblemInformation: true })
  // Topic Alias Maximum is 0x22; 0x20 is no property at all
  assert.throws(() => decode(new Uint8Array([0x20, 0, 0, 0, 1]), 0, 5, names), /unknown property 32/)
})

const WECHAT_WASM = path.join(__dirname, '../../../build/wasm-wechat/mpmqtt_bg.wasm')
// The core scripts/build-fallback compiles to JS: the same three niceties off.
const FALLBACK_WASM = path.join(__dirname, '../../../build/wasm-fallback/mpmqtt_bg.wasm')
const leanCores = [WECHAT_WASM, FALLBACK_WASM]

test('the WeChat and no-WebAssembly cores (build/wasm-wechat, build/wasm-fallback: Cargo.toml niceties off) refuse v5 DISCONNECT properties by name and describe no packet; the main core sends and describes them', { skip: leanCores.every((f) => fs.existsSync(f)) ? skip : 'build/wasm-wechat or build/wasm-fallback is missing: run scripts/build-wasm' }, async () => {
  for (const [file, wechat] of [[WASM, false], [WECHAT_WASM, true], [FALLBACK_WASM, true]]) {
    let exports = null
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(file), { './mpmqtt_bg.js': coreImports(() => exports) })
    exports = instance.exports
    const Core = coreClass(exports)
    const core = new Core({ clientId: 'flat', protocolVersion: 5, keepalive: 0 })
    core.set_packet_events(true)
    core.connect(0)
    core.transport_opened(0)
    core.handle_bytes(0, mqttPacket.generate({ cmd: 'connack', reasonCode: 0, sessionPresent: false }, { protocolVersion: 5 }))
    let kind
    const described = []
    while ((kind = core.poll_event()) !== 0) if (kind === 13 || kind === 14) described.push(core.ev_packet(record.decode, (b) => b))
    assert.ok(described.length >= 2, 'CONNECT sent and CONNACK received were reported')
    if (wechat) assert.ok(described.every((p) => p === undefined || p === null || Object.keys(p).length === 0), JSON.stringify(described))
    else assert.deepStrictEqual(described.map((p) => p.cmd), ['connect', 'connack'])
    const refused = core.end(0, false, 0, { reasonString: 'bye' })
    assert.strictEqual(refused, wechat ? 'DISCONNECT properties: not in this core' : '', file)
  }
})
