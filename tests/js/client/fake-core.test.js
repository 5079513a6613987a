'use strict'
// The scripted core of the client tests (helpers.js) is held to the real Core's interface.
const test = require('node:test')
const assert = require('node:assert')
const { makeCoreClass, checkAgainstRealCore, EV } = require('./helpers')

test('the FakeCore has exactly the real Core\'s methods; a drifted one is refused', () => {
  const FakeCore = makeCoreClass()
  assert.doesNotThrow(() => checkAgainstRealCore(FakeCore))
  class WithExtra extends FakeCore {
    ev_qos () { return 0 }
  }
  assert.throws(() => checkAgainstRealCore(WithExtra), /not on the real Core: ev_qos/)
  const Missing = makeCoreClass()
  delete Missing.prototype.ev_flags
  assert.throws(() => checkAgainstRealCore(Missing), /missing ev_flags/)
})

test('a call with more arguments than the real core takes throws', () => {
  const core = new (makeCoreClass())({})
  core.transport_closed(1)
  assert.deepStrictEqual(core.calls, [['transport_closed']])
  assert.throws(() => core.transport_closed(1, 1006, 'gone'), /transport_closed called with 3 arguments; the real core takes 1/)
  assert.throws(() => core.set_suspended(1, true, 'extra'), /takes 2/)
})

test('ev_flags packs a scripted MESSAGE and CONNECTED as the real core does (js-glue/core/events.js)', () => {
  const core = new (makeCoreClass())({})
  core.queue(EV.MESSAGE, { topic: 't', qos: 2, retain: true, dup: true, messageId: 65535 })
  core.queue(EV.CONNECTED, { sessionPresent: true })
  core.poll_event()
  const f = core.ev_flags()
  assert.deepStrictEqual([f & EV.FLAG_QOS, !!(f & EV.FLAG_RETAIN), !!(f & EV.FLAG_DUP), f >>> EV.MESSAGE_ID_SHIFT], [2, true, true, 65535])
  core.poll_event()
  assert.strictEqual(core.ev_session_present(), true)
})
