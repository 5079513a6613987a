'use strict'
// Test doubles for the glue: a scripted core (docs/core-interface.md) and a platform.
const EV = require('../../../js-glue/client/events')

/**
 * A core whose events the test scripts: `queue(kind, fields)`; each call is
 * recorded in `calls` as [name, ...args] (without `now`). `on[name]` hooks
 * let a test react to a call the way the real core would.
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
      this.on = {}
      FakeCore.instances.push(this)
      if (setup) setup(this)
    }

    queue (kind, fields) {
      this.events.push(Object.assign({ kind }, fields))
    }

    _rec (name, args) {
      this.calls.push([name].concat(Array.prototype.slice.call(args, 1)))
      if (this.on[name]) return this.on[name].apply(this, Array.prototype.slice.call(args, 1))
    }

    callNames () {
      return this.calls.map((c) => c[0])
    }

    connect () { this._rec('connect', arguments) }
    reconnect () { this._rec('reconnect', arguments) }
    transport_opened () { this._rec('transport_opened', arguments) }
    handle_bytes () { this._rec('handle_bytes', arguments) }
    transport_closed () { this._rec('transport_closed', arguments) }
    handle_timeout () { this._rec('handle_timeout', arguments) }
    end () { this._rec('end', arguments) }
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
      if (!this.current || this.current.kind !== 5) return 0
      const same = this.lastTopic === this._f('topic', '') ? 16 : 0
      return this._f('qos', 0) | (this._f('retain', false) ? 4 : 0) | (this._f('dup', false) ? 8 : 0) | same | (this._f('messageId', 0) << 16)
    }
    ev_payload () { return this._f('payload', new Uint8Array(0)) }
    ev_qos () { return this._f('qos', 0) }
    ev_retain () { return this._f('retain', false) }
    ev_dup () { return this._f('dup', false) }
    ev_session_present () { return this._f('sessionPresent', false) }
    ev_message_id () { return this._f('messageId', 0) }
    ev_codes () { return this._f('codes', new Uint8Array(0)) }
    ev_properties () { return this._f('properties', undefined) }
  }
  FakeCore.instances = []
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

module.exports = { EV, makeCoreClass, makePlatform, makeEnv, tick }
