'use strict'
/**
 * A Store with MQTT.js' interface (put/get/del/createStream/close) kept in the platform's
 * storage — wx.setStorageSync on WeChat, my.setStorageSync on Alipay, localStorage in
 * browsers — under one key per client id. Passed as `outgoingStore`, the QoS 1/2 publishes
 * the broker has not acknowledged survive a page reload or an app kill: the next client
 * given a store of the same client id (with `clean: false`) resends them with their ids.
 * Shipped as its own file (mqtt-store.js) so the pages that do not persist do not pay for it.
 *
 *   const persistentStore = require('./mqtt-store.js')
 *   mqtt.connect(url, { clientId: 'dev-1', clean: false, outgoingStore: persistentStore('dev-1') })
 */
const base64 = require('../platform/base64')
const wxStorage = require('./wx-storage')
const myStorage = require('./my-storage')

const KEY_PREFIX = 'mpmqtt-outgoing:'

/* global wx, my, localStorage */
/** get(key) -> string|undefined and set(key, string) on the platform's synchronous storage. */
function platformStorage () {
  if (typeof wx === 'object' && wx && typeof wx.setStorageSync === 'function') return wxStorage(wx)
  if (typeof my === 'object' && my && typeof my.setStorageSync === 'function') return myStorage(my)
  if (typeof localStorage === 'object' && localStorage) {
    return { get: (key) => localStorage.getItem(key), set: (key, text) => localStorage.setItem(key, text) }
  }
  throw new Error('mqtt-store: no wx/my storage or localStorage here; pass {get(key), set(key, text)} as the second argument')
}

// Binary fields (the payload, a v5 correlationData) are stored as {$b: base64}: the storage
// takes JSON. A Buffer is a Uint8Array.
const encodeValue = (v) => v instanceof Uint8Array ? { $b: base64.encode(v) } : v
const decodeValue = (v) => v && typeof v === 'object' && typeof v.$b === 'string' ? base64.decode(v.$b) : v

function encodePacket (p) {
  const out = Object.assign({}, p, { payload: encodeValue(p.payload) })
  if (p.properties) out.properties = Object.assign({}, p.properties, { correlationData: encodeValue(p.properties.correlationData) })
  return out
}

function decodePacket (p) {
  const out = Object.assign({}, p, { payload: decodeValue(p.payload) })
  if (out.payload === undefined) delete out.payload
  if (p.properties) {
    out.properties = Object.assign({}, p.properties, { correlationData: decodeValue(p.properties.correlationData) })
    if (out.properties.correlationData === undefined) delete out.properties.correlationData
  }
  return out
}

/** An emitter with MQTT.js' store stream events: 'data' per packet, then 'end'; destroy() -> 'close'. */
function packetStream (packets) {
  const handlers = {}
  let destroyed = false
  const emit = (name, arg) => (handlers[name] || []).slice().forEach((fn) => fn(arg))
  const stream = {
    on (name, fn) {
      (handlers[name] = handlers[name] || []).push(fn)
      return stream
    },
    destroy () {
      if (!destroyed) {
        destroyed = true
        setTimeout(() => emit('close'), 0)
      }
      return stream
    }
  }
  Promise.resolve().then(() => {
    for (let i = 0; i < packets.length && !destroyed; i++) emit('data', packets[i])
    if (!destroyed) emit('end')
  })
  return stream
}

class PersistentStore {
  /**
   * @param {string} clientId  the key: one store per client id
   * @param {{get(key: string): any, set(key: string, text: string): void}} [storage]
   *   defaults to the platform's (wx, my, localStorage)
   */
  constructor (clientId, storage) {
    if (typeof clientId !== 'string' || !clientId) throw new TypeError('mqtt-store: a client id (string) names the store')
    this._storage = storage || platformStorage()
    this._key = KEY_PREFIX + clientId
    const saved = this._storage.get(this._key)
    // In put order (the order of resending); a PUBREL takes its PUBLISH's place.
    this._packets = []
    if (saved) {
      try {
        this._packets = JSON.parse(saved).map(decodePacket)
      } catch (e) {
        throw new Error('mqtt-store: the saved messages of ' + clientId + ' are not readable (' + e.message + ')')
      }
    }
  }

  _save () {
    this._storage.set(this._key, JSON.stringify(this._packets.map(encodePacket)))
  }

  _index (messageId) {
    return this._packets.findIndex((p) => p.messageId === messageId)
  }

  put (packet, cb) {
    const at = this._index(packet.messageId)
    const copy = Object.assign({}, packet)
    if (at >= 0) this._packets[at] = copy
    else this._packets.push(copy)
    try {
      this._save()
    } catch (e) {
      if (cb) cb(e)
      return this
    }
    if (cb) cb()
    return this
  }

  get (packet, cb) {
    const at = this._index(packet.messageId)
    if (cb) at >= 0 ? cb(null, this._packets[at]) : cb(new Error('missing packet'))
    return this
  }

  del (packet, cb) {
    const at = this._index(packet.messageId)
    if (at < 0) {
      if (cb) cb(new Error('missing packet'))
      return this
    }
    const [gone] = this._packets.splice(at, 1)
    try {
      this._save()
    } catch (e) {
      if (cb) cb(e)
      return this
    }
    if (cb) cb(null, gone)
    return this
  }

  createStream () {
    return packetStream(this._packets.slice())
  }

  /** The messages stay in storage: that is the point of this store. */
  close (cb) {
    if (cb) cb()
  }
}

/** persistentStore(clientId, [storage]) -> a Store on the platform's storage. */
function persistentStore (clientId, storage) {
  return new PersistentStore(clientId, storage)
}
persistentStore.PersistentStore = PersistentStore
module.exports = persistentStore
