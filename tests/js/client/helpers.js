'use strict'
// Test doubles for the glue: a scripted core (docs/core-interface.md) and a platform.
const EV = require('../../../js-glue/core/events')
const contract = require('../../support/core-contract')

// The real Core's methods and how many arguments each takes after the handle, read once.
const REAL_METHODS = contract.coreMethods()
const ARITY = contract.coreArity()

/**
 * Throws unless `FakeCore` has exactly the real Core's methods (js-glue/core/flat-core.js), so
 * a method renamed, added or dropped on either side fails every test that scripts a core.
 */
function checkAgainstRealCore (FakeCore) {
  const fake = Object.getOwnPropertyNames(FakeCore.prototype).filter((n) => n !== 'constructor' && !n.startsWith('_') && !SCRIPTING.includes(n))
  const missing = REAL_METHODS.filter((n) => !fake.includes(n))
  const extra = fake.filter((n) => !REAL_METHODS.includes(n))
  if (missing.length || extra.length) {
    throw new Error('FakeCore differs from the real Core: ' + (missing.length ? 'missing ' + missing.join(', ') + '; ' : '') +
      (extra.length ? 'not on the real Core: ' + extra.join(', ') : ''))
  }
}

// The fake's own scripting methods, which the client never calls.
const SCRIPTING = ['queue', 'callNames']

/**
 * A core whose events the test scripts: `queue(kind, fields)`; each call is
 * recorded in `calls` as [name, ...args] (without `now`). `on[name]` hooks
 * let a test react to a call the way the real core would. A call with more arguments than
 * the real method takes throws: the real core would drop them without a word.
 */
function makeCoreClass (setup) {
  class FakeCore {
    constructor (options) {
      this.options = options
      this.calls = []
      this.events = []
      this.tx = []
      this.deadline = -1
      this.current = null
      this.nextOp = 1
      this.lastId = 0
      this.lastTopic = '' // what ev_topic() returned last, as the real core tracks it
      this.isReconnecting = false
      this.freed = false
      this.on = {}
      FakeCore.instances.push(this)
      if (setup) setup(this)
    }

    queue (kind, fields) {
      this.events.push(Object.assign({ kind }, fields))
    }

    _rec (name, args) {
      if (args.length > ARITY.get(name)) {
        throw new Error('FakeCore: ' + name + ' called with ' + args.length + ' arguments; the real core takes ' + ARITY.get(name))
      }
      this.calls.push([name].concat(Array.prototype.slice.call(args, 1)))
      if (this.on[name]) return this.on[name].apply(this, Array.prototype.slice.call(args, 1))
    }

    callNames () {
      return this.calls.map((c) => c[0])
    }

    free () { this.freed = true }
    connect () { this._rec('connect', arguments) }
    reconnect () { this._rec('reconnect', arguments) }
    transport_opened () { this._rec('transport_opened', arguments) }
    handle_bytes () { this._rec('handle_bytes', arguments) }
    transport_closed () { this._rec('transport_closed', arguments) }
    handle_timeout () { this._rec('handle_timeout', arguments) }
    end () { return this._rec('end', arguments) || '' }
    message_handled () { this._rec('message_handled', arguments) }
    set_page_acks (on) { this.calls.push(['set_page_acks', on]) }
    credentials_failed () { this._rec('credentials_failed', arguments) }
    provide_credentials () { this._rec('provide_credentials', arguments) }
    set_suspended () { this._rec('set_suspended', arguments) }
    network_changed () { this._rec('network_changed', arguments) }
    send_auth () { this._rec('send_auth', arguments); return true }
    remove_outgoing () { this._rec('remove_outgoing', arguments); return true }
    set_packet_events (on) { this.calls.push(['set_packet_events', on]) }
    last_message_id () { return this.lastId }
    reconnecting () { return this.isReconnecting }

    publish () {
      const op = this.nextOp++
      this._rec('publish', arguments)
      return op
    }

    subscribe () {
      const op = this.nextOp++
      this._rec('subscribe', arguments)
      return op
    }

    unsubscribe () {
      const op = this.nextOp++
      this._rec('unsubscribe', arguments)
      return op
    }

    poll_transmit () { return this.tx.shift() }
    poll_timeout () { return this.deadline }
    poll_event () {
      this.current = this.events.shift() || null
      return this.current ? this.current.kind : 0
    }

    _f (name, dflt) {
      return this.current && this.current[name] !== undefined ? this.current[name] : dflt
    }

    ev_op () { return this._f('op', 0) }
    ev_code () { return this._f('code', 0) }
    ev_error_name () { return this._f('name', '') }
    ev_text () { return this._f('text', '') }
    ev_topic () {
      this.lastTopic = this._f('topic', '')
      return this.lastTopic
    }

    ev_flags () {
      const kind = this.current && this.current.kind
      if (kind === EV.CONNECTED) return this._f('sessionPresent', false) ? EV.FLAG_SESSION_PRESENT : 0
      if (kind !== EV.MESSAGE) return 0
      const same = this.lastTopic === this._f('topic', '') ? EV.FLAG_SAME_TOPIC : 0
      return this._f('qos', 0) | (this._f('retain', false) ? EV.FLAG_RETAIN : 0) | (this._f('dup', false) ? EV.FLAG_DUP : 0) | same |
        (this._f('fromAlias', false) ? EV.FLAG_TOPIC_FROM_ALIAS : 0) | (this._f('messageId', 0) << EV.MESSAGE_ID_SHIFT)
    }

    ev_payload () { return this._f('payload', new Uint8Array(0)) }
    ev_session_present () { return (this.ev_flags() & EV.FLAG_SESSION_PRESENT) !== 0 }
    ev_message_id () { return this._f('messageId', 0) }
    ev_codes () { return this._f('codes', new Uint8Array(0)) }
    ev_properties () { return this._f('properties', undefined) }
    ev_packet () { return this._f('packet', null) }
  }
  FakeCore.instances = []
  checkAgainstRealCore(FakeCore)
  return FakeCore
}

/** A platform recording sockets; `sockets[i].handlers` drive them. */
function makePlatform () {
  const platform = {
    name: 'fake',
    sockets: [],
    lifecycle: null,
    unwatched: 0,
    openSocket (url, opts, handlers) {
      const sock = { url, opts, handlers, sent: [], closed: null }
      sock.send = (bytes) => sock.sent.push(bytes)
      sock.close = (code, reason) => { sock.closed = [code, reason] }
      platform.sockets.push(sock)
      return sock
    },
    watchLifecycle (hooks) {
      platform.lifecycle = hooks
      return () => {
        platform.unwatched++
        platform.lifecycle = null
      }
    }
  }
  return platform
}

/** An env for new MqttClient(opts, env) with a scripted core class. */
function makeEnv (setup) {
  const Core = makeCoreClass(setup)
  const platform = makePlatform()
  return { Core, platform, env: { selectPlatform: () => platform, loadCore: () => Promise.resolve(Core) } }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

module.exports = { EV, makeCoreClass, checkAgainstRealCore, makePlatform, makeEnv, tick }
