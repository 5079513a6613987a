'use strict'
// MQTT.js exports a Store class that pages pass as incomingStore/outgoingStore.
// The wasm core keeps its own in-flight state, so the client never reads these
// stores; this in-memory one only keeps such pages working (and usable alone).
const EventEmitter = require('./emitter')

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

  /** A readable-like emitter: 'data' per stored packet, then 'end' (asynchronously). */
  createStream () {
    const stream = new EventEmitter()
    const packets = Array.from(this._inflights.values())
    let destroyed = false
    stream.destroy = function () {
      destroyed = true
      return stream
    }
    Promise.resolve().then(() => {
      for (let i = 0; i < packets.length && !destroyed; i++) stream.emit('data', packets[i])
      if (!destroyed) stream.emit('end')
    })
    return stream
  }

  close (cb) {
    this._inflights.clear()
    if (cb) cb()
  }
}

module.exports = Store
