'use strict'
const { guarded } = require('./callbacks')
const { HELD_ACKS } = require('../build-flags')

/**
 * Completions of our QoS 1/2 publishes decoded with the one whose callback called end(true).
 * The core reads a socket message whole, so its other PUBACKs/PUBCOMPs are already events
 * when the page ends; delivering them would show the page a client still at work after it
 * stopped it, and how many it saw would depend on how the network cut its messages. Their
 * callbacks wait, as those of messages still in flight do, for the next connection
 * (`reconnect()`/`connect()`), and are never called if there is none. The broker has these
 * messages: they leave the stores now and are not resent (docs/decisions.md).
 *
 * `client._holdAcks` is set by end(true) when it keeps the session and is called while a
 * drive delivers events (`hold`); it is cleared once the socket is closed (`stopHolding`,
 * from mqtt-client.js `_closeSocket`): what comes after is the end's own outcome, not the
 * rest of the input.
 */

/** The op of a completion (`_takeOp`), its callback held when it is one of those. */
function take (client, op) {
  if (!HELD_ACKS) return op // the WeChat build calls them at once, as MQTT.js (build-flags.js)
  if (op && client._holdAcks && op._kind === 'publish' && op._packet && op._packet.qos > 0) {
    const cb = op._cb
    op._cb = (...args) => { (client._heldAcks = client._heldAcks || []).push([cb, args]) }
  }
  return op
}

/** Connected again: the held callbacks, in order, until the page ends by force once more. */
function release (client) {
  if (!HELD_ACKS) return
  const held = client._heldAcks
  while (held && held.length && !client._holdAcks) {
    const [cb, args] = held.shift()
    guarded(() => client._complete(cb, ...args))
  }
}

/** end(true) keeping the session (`keeps`): the rest of the input's completions are held. */
function hold (client, keeps) {
  if (HELD_ACKS && keeps && client._driving) client._holdAcks = true
}

/** The socket is closed: nothing more of its input can arrive. */
function stopHolding (client) {
  if (HELD_ACKS) client._holdAcks = false
}

module.exports = { take, release, hold, stopHolding }
