'use strict'
// Topic filters are checked twice on purpose: by js-glue/client/args.js when the page calls
// subscribe()/unsubscribe() (MQTT.js' messages, before the core may even be loaded, and
// before the filter enters the client's already-subscribed table), and by the core for itself
// (src/codec/validate.rs: the core never writes a filter the broker would refuse). One rule,
// so this sweep holds both to MQTT.js' validator and to each other.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const mqttPacket = require('mqtt-packet')
const { validateTopic } = require('mqtt/lib/validations')

const args = require('../../../js-glue/client/args')
const EV = require('../../../js-glue/core/events')
const { coreClass, coreImports } = require('../../../js-glue/core/flat-core')
const { BUILT_WASM } = require('../../support/core-contract')

const notBuilt = fs.existsSync(BUILT_WASM) ? false : 'build/wasm is missing: run scripts/build-wasm first'

/** Every string of 0..5 characters over the characters that matter to the rule. */
function sweep () {
  const out = ['']
  let level = ['']
  for (let len = 1; len <= 5; len++) {
    level = level.flatMap((s) => ['a', '+', '#', '/'].map((c) => s + c))
    out.push(...level)
  }
  return out.concat(['ü/+', '😀/#', 'a/\ud800', '\udc00', 'sport/tennis/+/#x', '$SYS/#', '+/+/+'])
}

// Where the glue deliberately differs from MQTT.js 5.16.0: an empty filter (MQTT.js sends it
// and the broker closes the connection) and lone surrogates (UTF-8 cannot carry them).
const STRICTER_THAN_MQTTJS = (t) => t === '' || !args.wellFormed(t)

test('args.validFilter is MQTT.js\' validateTopic, stricter only where MQTT.js would send a broken filter', () => {
  const filters = sweep()
  assert.ok(filters.length > 1300)
  for (const t of filters) {
    if (STRICTER_THAN_MQTTJS(t)) assert.strictEqual(args.validFilter(t), false, JSON.stringify(t))
    else assert.strictEqual(args.validFilter(t), validateTopic(t), JSON.stringify(t))
  }
})

test('the core accepts exactly the filters args.validFilter accepts', { skip: notBuilt }, async () => {
  let exports = null
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(BUILT_WASM), { './mpmqtt_bg.js': coreImports(() => exports) })
  exports = instance.exports
  const Core = coreClass(exports)
  const core = new Core({ clientId: 'filters', protocolVersion: 4, keepalive: 0 })
  core.connect(0)
  core.transport_opened(0)
  while (core.poll_transmit() !== undefined);
  core.handle_bytes(0, mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }))
  while (core.poll_event() !== 0);
  const disagree = []
  const outcomes = { sent: 0, refused: 0 }
  for (const t of sweep().filter(args.wellFormed)) {
    const op = core.subscribe(0, [{ topic: t, qos: 0, nl: false, rap: false, rh: 0 }], undefined)
    let refused = false
    for (let k; (k = core.poll_event()) !== 0;) {
      if (k === EV.OP_FAILED && core.ev_op() === op) refused = core.ev_error_name() === 'invalid_topic'
    }
    let sent = 0
    for (let b; (b = core.poll_transmit()) !== undefined;) sent += b.length
    if (refused === args.validFilter(t) || (sent > 0) !== args.validFilter(t)) disagree.push(t)
    outcomes[refused ? 'refused' : 'sent']++
  }
  assert.deepStrictEqual(disagree, [])
  assert.ok(outcomes.sent > 100 && outcomes.refused > 100, JSON.stringify(outcomes))
  core.free()
})
