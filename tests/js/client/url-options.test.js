'use strict'
const test = require('node:test')
const assert = require('node:assert')
const url = require('../../../js-glue/client/url')
const options = require('../../../js-glue/client/options')

const socketUrl = (u, o) => {
  const n = options.normalise(options.mergeUrl(u, o))
  return url.buildUrl(n.protocol, n.hostname, n.port, n.path)
}

test('mini-program schemes map to WebSocket schemes, default ports dropped, path kept', () => {
  assert.strictEqual(socketUrl('wxs://broker.example.com:8084/mqtt'), 'wss://broker.example.com:8084/mqtt')
  assert.strictEqual(socketUrl('wxs://broker.example.com:443/mqtt'), 'wss://broker.example.com/mqtt')
  assert.strictEqual(socketUrl('wx://broker.example.com:80/mqtt'), 'ws://broker.example.com/mqtt')
  assert.strictEqual(socketUrl('wx://broker.example.com:443/mqtt'), 'ws://broker.example.com:443/mqtt')
  assert.strictEqual(socketUrl('alis://broker.example.com/mqtt'), 'wss://broker.example.com/mqtt')
  assert.strictEqual(socketUrl('ali://broker.example.com:8083/ws/mqtt'), 'ws://broker.example.com:8083/ws/mqtt')
  assert.strictEqual(socketUrl('wss://Broker.Example.com'), 'wss://broker.example.com/')
  assert.strictEqual(socketUrl('WSS://h:8084/mqtt?token=a%20b#frag'), 'wss://h:8084/mqtt?token=a%20b')
  assert.strictEqual(socketUrl('wss://[::1]:8084/mqtt'), 'wss://[::1]:8084/mqtt')
  assert.strictEqual(socketUrl('wss://h?x=1'), 'wss://h/?x=1')
})

test('TCP schemes fail with an explanation; unknown schemes are named', () => {
  for (const scheme of ['mqtt', 'tcp', 'mqtts', 'ssl', 'tls']) {
    assert.throws(() => options.normalise(options.mergeUrl(scheme + '://user:secret@h:1883')), (e) => {
      assert.match(e.message, /WebSocket only/)
      assert.match(e.message, /wss:\/\//)
      assert.doesNotMatch(e.message, /secret/)
      return true
    })
  }
  assert.throws(() => options.normalise(options.mergeUrl('http://h')), /Unknown protocol "http"/)
  // MQTT.js' exact message (pages and its tests match on it), our explanation in `hint`.
  for (const [u, o] of [['broker.example.com'], ['broker.example.com:8084/mqtt'], ['wss://h/mqtt', { protocol: null }], ['wss://h/mqtt', { protocol: '' }]]) {
    assert.throws(() => options.mergeUrl(u, o), (e) => e.message === 'Missing protocol' && /wss:\/\//.test(e.hint))
  }
  assert.strictEqual(url.parseUrl('broker.example.com').protocol, undefined)
  assert.strictEqual(options.mergeUrl('', { host: 'h' }).protocol, undefined, 'no URL: the default protocol applies later')
})

test('URL credentials and ?clientId= are percent-decoded and applied', () => {
  const o = options.normalise(options.mergeUrl('wss://us%40er:p%3Ass:word@h/mqtt?clientId=dev%2F1&x=a+b'))
  assert.strictEqual(o.username, 'us@er:p:ss')
  assert.strictEqual(o.password, 'word')
  assert.strictEqual(o.clientId, 'dev/1')
  assert.strictEqual(o.query.x, 'a b')
  const onlyUser = options.normalise(options.mergeUrl('wss://alice@h'))
  assert.strictEqual(onlyUser.username, 'alice')
  assert.strictEqual(onlyUser.password, undefined)
  // Page options override URL fields except credentials (MQTT.js order).
  const o2 = options.normalise(options.mergeUrl('wss://u:p@h:1/a', { port: 2, path: '/b', username: 'x' }))
  assert.strictEqual(o2.port, 2)
  assert.strictEqual(o2.path, '/b')
  assert.strictEqual(o2.username, 'u')
})

test('defaults are MQTT.js defaults; the page object is never mutated', () => {
  const page = { keepalive: 30, will: { topic: 't', payload: 'bye' } }
  const snapshot = JSON.stringify(page)
  const o = options.normalise(options.mergeUrl('wxs://h/mqtt', page))
  assert.strictEqual(JSON.stringify(page), snapshot)
  assert.notStrictEqual(o, page)
  assert.strictEqual(o.keepalive, 30)
  assert.strictEqual(o.reconnectPeriod, 1000)
  assert.strictEqual(o.connectTimeout, 30000)
  assert.strictEqual(o.clean, true)
  assert.strictEqual(o.resubscribe, true)
  assert.strictEqual(o.queueQoSZero, true)
  assert.strictEqual(o.protocolVersion, 4)
  assert.strictEqual(o.protocolId, 'MQTT')
  assert.strictEqual(o.reschedulePings, true)
  assert.strictEqual(o.reconnectOnConnackError, false)
  assert.match(o.clientId, /^mqttjs_[0-9a-f]{8}$/)
  assert.notStrictEqual(options.normalise({}).clientId, options.normalise({}).clientId)
  // Two clients from one options object get separate copies (MQTT.js #1471).
  const shared = { clientId: 'a' }
  const a = options.normalise(shared)
  a.clientId = 'changed'
  assert.strictEqual(options.normalise(shared).clientId, 'a')
  assert.strictEqual(options.normalise({ clientId: '' }).clientId, '')
})

test('clean:false without clientId throws like MQTT.js', () => {
  assert.throws(() => options.normalise({ clean: false }), /Missing clientId for unclean clients/)
  assert.strictEqual(options.normalise({ clean: false, clientId: 'c' }).clean, false)
  assert.strictEqual(options.normalise(options.mergeUrl('wss://h/?clientId=q', { clean: false })).clientId, 'q')
})

test('host/hostname options and servers work without a URL', () => {
  const o = options.normalise({ host: 'h.example', port: 8084, protocol: 'wxs', path: '/mqtt' })
  assert.strictEqual(url.buildUrl(o.protocol, o.hostname, o.port, o.path), 'wss://h.example:8084/mqtt')
  assert.throws(() => options.normalise({ servers: [{ host: 'a', port: 1883, protocol: 'mqtt' }] }), /WebSocket only/)
  assert.throws(() => options.normalise({ servers: [] }), /non-empty/)
  assert.throws(() => options.normalise({ credentialsProvider: 'x' }), /credentialsProvider/)
})

test('core options carry only core fields, binary values as Uint8Array', () => {
  const o = options.normalise({
    clientId: 'c',
    username: 'u',
    password: Buffer.from([0xff, 0x00]),
    will: { topic: 'w', payload: 'gone', qos: 1, retain: true },
    properties: { sessionExpiryInterval: 10, authenticationData: Buffer.from('x') },
    credentialsProvider: async () => ({}),
    backoff: { initial: 500, max: 10000, multiplier: 2, jitter: 0.2 },
    my: {},
    transformWsUrl: (u) => u
  })
  const c = options.coreOptions(o)
  // username/password go to the core at each attempt (provide_credentials), never here.
  assert.deepStrictEqual(Object.keys(c).sort(), ['backoff', 'clean', 'clientId', 'connectTimeout', 'credentialsProvider', 'keepalive',
    'properties', 'protocolVersion', 'queueQoSZero', 'reconnectOnConnackError', 'reconnectPeriod', 'reschedulePings',
    'resubscribe', 'will'])
  assert.strictEqual(c.credentialsProvider, true)
  assert.strictEqual(options.coreOptions(options.normalise({})).credentialsProvider, true, 'asked for even without a provider')
  assert.deepStrictEqual(Array.from(options.coreBinary(o.password)), [0xff, 0x00])
  assert.deepStrictEqual(Array.from(c.will.payload), [103, 111, 110, 101])
  assert.strictEqual(o.will.payload, 'gone')
  assert.ok(c.properties.authenticationData instanceof Uint8Array)
  assert.throws(() => options.coreOptions(options.normalise({ will: { topic: 't', payload: 5 } })), /will.payload/)
})
