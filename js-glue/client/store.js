'use strict'
// MQTT.js' in-memory Store, which pages pass as incomingStore/outgoingStore: the client
// keeps its outgoing QoS 1/2 messages in it (js-glue/client/outgoing.js). `clean: false`
// keeps them through close(), as MQTT.js' does, for a reconnect({outgoingStore}).
const EventEmitter = require('./emitter')
const { defer } = require('./callbacks')

class Store {
  constructor (options) {
    this.options = options || {}
    this._inflights = new Map()
  }

  put (packet, cb) {
    this._inflights.set(packet.messageId, packet)
    if (cb) cb()
    return this
  }

  get (packet, cb) {
    const found = this._inflights.get(packet.messageId)
    if (cb) found ? cb(null, found) : cb(new Error('missing packet'))
    return this
  }

  del (packet, cb) {
    const found = this._inflights.get(packet.messageId)
    if (found) {
      this._inflights.delete(packet.messageId)
      if (cb) cb(null, found)
    } else if (cb) {
      cb(new Error('missing packet'))
    }
    return this
  }

  /** A readable-like emitter: 'data' per stored packet, then 'end' (asynchronously); destroy() -> 'close' once. */
  createStream () {
    const stream = new EventEmitter()
    const packets = Array.from(this._inflights.values())
    let destroyed = false
    stream.destroy = function () {
      if (!destroyed) setTimeout(() => stream.emit('close'), 0)
      destroyed = true
      return stream
    }
    defer(() => {
      for (let i = 0; i < packets.length && !destroyed; i++) stream.emit('data', packets[i])
      if (!destroyed) stream.emit('end')
    })
    return stream
  }

  close (cb) {
    if (this.options.clean !== false) this._inflights.clear()
    if (cb) cb()
  }
}

module.exports = Store
