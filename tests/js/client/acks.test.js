'use strict'
// The glue side of acknowledgements the page controls (js-glue/client/acks.js) on a scripted
// core: when page acknowledgements are turned on, which message_handled calls reach the core
// (once per message, none for a message of a lost connection, one after a throwing hook).
// What the broker sees is compared with MQTT.js in tests/js/compat/acks.test.js.
const test = require('node:test')
const assert = require('node:assert')
const MqttClient = require('../../../js-glue/client/mqtt-client')
const options = require('../../../js-glue/client/options')
const { EV, makeEnv, tick } = require('./helpers')

function happyCore (core) {
  core.on.connect = function () { this.queue(EV.OPEN_TRANSPORT) }
  core.on.transport_opened = function () { this.queue(EV.CONNECTED, { code: 0 }) }
}

async function connected (opts, beforeConnect) {
  const t = makeEnv(happyCore)
  const client = new MqttClient(options.mergeUrl('wxs://broker.test/mqtt', opts), t.env)
  client.on('error', () => {})
  if (beforeConnect) beforeConnect(client)
  await tick()
  const sock = () => t.platform.sockets[t.platform.sockets.length - 1]
  sock().handlers.open()
  const core = t.Core.instances[0]
  const deliver = (events) => {
    core.on.handle_bytes = function () {
      delete core.on.handle_bytes
      events.forEach((e) => core.queue(EV.MESSAGE, e))
    }
    sock().handlers.message(Uint8Array.from([1]))
  }
  const handled = () => core.calls.filter((c) => c[0] === 'message_handled').map((c) => c.slice(1))
  return { t, client, core, sock, deliver, handled }
}

const message = (messageId, qos) => ({ topic: 't', payload: Uint8Array.from([1]), qos, messageId })

test('without hooks the core acknowledges by itself: page acks stay off, message_handled is never called', async () => {
  const c = await connected({ protocolVersion: 5 })
  const got = []
  c.client.on('message', (topic, m, p) => got.push(p.messageId))
  c.deliver([message(1, 1), message(2, 2), message(0, 0)])
  assert.deepStrictEqual(got, [1, 2, undefined])
  assert.deepStrictEqual(c.core.calls.filter((k) => k[0] === 'set_page_acks'), [])
  assert.deepStrictEqual(c.handled(), [])
})

test('handleMessage or a v5 customHandleAcks turns page acks on at CONNACK; customHandleAcks on 3.1.1 does not (MQTT.js ignores it)', async () => {
  const cases = [
    [{}, (client) => { client.handleMessage = (p, cb) => cb() }, true],
    [{ protocolVersion: 5, customHandleAcks: (t, m, p, cb) => cb(null, 0) }, null, true],
    [{ protocolVersion: 4, customHandleAcks: (t, m, p, cb) => cb(null, 0) }, null, false]
  ]
  for (const [opts, before, on] of cases) {
    const c = await connected(opts, before)
    assert.deepStrictEqual(c.core.calls.filter((k) => k[0] === 'set_page_acks'), on ? [['set_page_acks', true]] : [], JSON.stringify(opts))
  }
})

test('a hook set after CONNACK still runs for the next message, and page acks start from it', async () => {
  const c = await connected({})
  const seen = []
  c.client.handleMessage = (p, cb) => { seen.push(p.messageId); cb() }
  c.deliver([message(4, 1)])
  assert.deepStrictEqual(seen, [4])
  assert.deepStrictEqual(c.core.calls.filter((k) => k[0] === 'set_page_acks'), [['set_page_acks', true]])
})

test('each message is handled once: a callback called twice, a throwing hook, a callback after the connection was lost', async () => {
  const c = await connected({}, (client) => {
    client.handleMessage = (p, cb) => {
      if (p.messageId === 1) { cb(); cb() }
      if (p.messageId === 2) throw new Error('page bug')
      if (p.messageId === 3) client.later = cb
      if (p.messageId === 4) cb(new Error('cannot handle'))
    }
  })
  // A throwing hook is reported as an uncaught error (rethrowLater's timer); caught here.
  const thrown = []
  const realSetTimeout = global.setTimeout
  global.setTimeout = (fn) => {
    try { fn() } catch (e) { thrown.push(e.message) }
    return 0
  }
  try {
    c.deliver([message(1, 1), message(2, 1), message(4, 2), message(3, 1)])
  } finally {
    global.setTimeout = realSetTimeout
  }
  assert.deepStrictEqual(thrown, ['page bug'])
  assert.deepStrictEqual(c.handled(), [[1, true, 0], [2, false, 0], [4, false, 0]])
  // The connection drops, a new one opens: the held message's acknowledgement went with it.
  c.sock().handlers.close(1006, '')
  c.core.queue(EV.OPEN_TRANSPORT)
  c.client._coreCall(() => {})
  c.client.later()
  assert.deepStrictEqual(c.handled(), [[1, true, 0], [2, false, 0], [4, false, 0]])
})
