'use strict'
// One contract at the wasm boundary: what src/wasm/mod.rs declares, what js-glue calls and
// what the built module exports must agree (tests/support/core-contract.js reads each side).
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const mqttPacket = require('mqtt-packet')

const contract = require('../../support/core-contract')
const EV = require('../../../js-glue/core/events')
const { coreClass, coreImports } = require('../../../js-glue/core/flat-core')

const notBuilt = fs.existsSync(contract.BUILT_WASM) ? false : 'build/wasm is missing: run scripts/build-wasm first'
const sorted = (names) => Array.from(names).sort()

test('event kinds: js-glue/core/events.js has exactly the kinds of src/wasm/mod.rs, same numbers', () => {
  const rust = contract.rustEventKinds()
  const js = {}
  // The rest of the module describes ev_flags() bits (the last test).
  for (const [name, value] of Object.entries(EV)) if (!/^(FLAG_|MESSAGE_ID_SHIFT$)/.test(name)) js[name] = value
  assert.deepStrictEqual(js, rust)
  assert.strictEqual(new Set(Object.values(rust)).size, Object.keys(rust).length, 'each kind has a number of its own')
  assert.ok(!Object.values(rust).includes(0), '0 means "no event"')
})

test('every event kind is dispatched by the client', () => {
  const client = fs.readFileSync(path.join(contract.REPO, 'js-glue/client/mqtt-client.js'), 'utf8')
  const dispatched = new Set(Array.from(client.matchAll(/case EV\.(\w+):/g), (m) => m[1]))
  assert.deepStrictEqual(sorted(Object.keys(contract.rustEventKinds()).filter((k) => !dispatched.has(k))), [])
})

test('exports: the glue calls exactly the mq_ functions src/wasm/mod.rs exports', () => {
  const rust = contract.rustExports()
  const called = contract.glueCalls()
  assert.deepStrictEqual(sorted(Array.from(called).filter((n) => !rust.has(n))), [], 'called by the glue, not exported')
  assert.deepStrictEqual(sorted(Array.from(rust.keys()).filter((n) => !called.has(n))), [], 'exported, never called (dead bytes in the page)')
})

test('the built module exports what src/wasm/mod.rs declares, with the same signatures', { skip: notBuilt }, () => {
  const built = contract.builtModule()
  const rust = contract.rustExports()
  const builtMq = sorted(Array.from(built.exports.keys()).filter((n) => n.startsWith('mq_')))
  assert.deepStrictEqual(builtMq, sorted(rust.keys()))
  for (const [name, decl] of rust) {
    const type = built.exports.get(name)
    const result = contract.wasmType(decl.result)
    assert.deepStrictEqual({ name, params: type.params, results: type.results },
      { name, params: decl.params.map((p) => contract.wasmType(p.type)), results: result ? [result] : [] })
  }
  // The core build imports nothing from the glue but what coreImports provides.
  const provided = coreImports(() => null)
  for (const imp of built.imports) {
    assert.strictEqual(imp.module, './mpmqtt_bg.js', imp.name + ' is imported from ' + imp.module)
    assert.strictEqual(typeof provided[imp.name], 'function', 'the glue provides ' + imp.name)
  }
})

test('the contract readers fail on drift they are meant to catch', () => {
  const rs = fs.readFileSync(path.join(contract.REPO, 'src/wasm/mod.rs'), 'utf8')
  const renumbered = rs.replace(/pub const DEBUG: u32 = \d+;/, 'pub const DEBUG: u32 = 99;')
  assert.notStrictEqual(renumbered, rs)
  assert.strictEqual(contract.rustEventKinds(renumbered).DEBUG, 99)
  const widened = rs.replace(/mq_transport_closed => transport_closed,/, '').replace('mq_set_suspended(core: &mut Core, now: f64, hidden: bool)', 'mq_set_suspended(core: &mut Core, now: f64, hidden: bool, why: u32)')
  const exp = contract.rustExports(widened)
  assert.ok(!exp.has('mq_transport_closed'))
  assert.strictEqual(exp.get('mq_set_suspended').params.length, 4)
})

// ---- ev_flags: the bit layout both sides read, against the real core ----

async function realCore () {
  let exports = null
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(contract.BUILT_WASM), { './mpmqtt_bg.js': coreImports(() => exports) })
  exports = instance.exports
  return coreClass(exports)
}

function drainTo (core, kind, read) {
  const got = []
  for (let k; (k = core.poll_event()) !== 0;) if (k === kind) got.push(read())
  return got
}

test('ev_flags: QoS, retain, dup, same topic, message id and session present sit where js-glue/core/events.js says', { skip: notBuilt }, async () => {
  const Core = await realCore()
  for (const sessionPresent of [false, true]) {
    const core = new Core({ clientId: 'flags', protocolVersion: 4, keepalive: 0, clean: !sessionPresent })
    core.connect(0)
    core.transport_opened(0)
    while (core.poll_transmit() !== undefined);
    core.handle_bytes(0, mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent }))
    const seen = drainTo(core, EV.CONNECTED, () => [(core.ev_flags() & EV.FLAG_SESSION_PRESENT) !== 0, core.ev_session_present()])
    assert.deepStrictEqual(seen, [[sessionPresent, sessionPresent]])
    if (!sessionPresent) continue
    let lastTopic = null
    // A sweep of every combination, message ids at the edges of their 16 bits.
    for (const qos of [0, 1, 2]) {
      for (const retain of [false, true]) {
        for (const dup of qos ? [false, true] : [false]) {
          for (const messageId of qos ? [1, 255, 256, 32768, 65535] : [0]) {
            for (const topic of ['a', 'a', 'b/ü']) {
              core.handle_bytes(0, mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from('x'), qos, retain, dup, messageId: qos ? messageId : undefined }))
              // QoS 2: the release too, so the next message with this id is new, not a duplicate.
              if (qos === 2) core.handle_bytes(0, mqttPacket.generate({ cmd: 'pubrel', messageId }))
              const delivered = drainTo(core, EV.MESSAGE, () => {
                const f = core.ev_flags()
                if (!(f & EV.FLAG_SAME_TOPIC)) core.ev_topic()
                return f
              })
              assert.strictEqual(delivered.length, 1)
              const f = delivered[0]
              const what = JSON.stringify({ qos, retain, dup, messageId, topic })
              assert.strictEqual(f & EV.FLAG_QOS, qos, what)
              assert.strictEqual((f & EV.FLAG_RETAIN) !== 0, retain, what)
              assert.strictEqual((f & EV.FLAG_DUP) !== 0, dup, what)
              assert.strictEqual((f & EV.FLAG_SAME_TOPIC) !== 0, topic === lastTopic, what)
              assert.strictEqual(f >>> EV.MESSAGE_ID_SHIFT, qos ? messageId : 0, what)
              assert.strictEqual(f & EV.FLAG_SESSION_PRESENT, 0, what)
              lastTopic = topic
              while (core.poll_transmit() !== undefined);
            }
          }
        }
      }
    }
    core.free()
  }
})
