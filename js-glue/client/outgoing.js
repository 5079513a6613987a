'use strict'
/**
 * The outgoing session as MQTT.js pages see it. The core keeps the protocol state; the
 * page's `outgoingStore` is kept as MQTT.js keeps it: a QoS 1/2 PUBLISH is put once it has
 * its packet id (at the call, before it is written), replaced by its PUBREL after PUBREC,
 * deleted when acknowledged or failed. What a page's store holds when the client connects
 * (a store on the platform's storage after a reload, a store handed to `reconnect(opts)`)
 * is restored into the core, which resends it after CONNACK (DUP set when the broker kept
 * the session). Also `incomingStore` (closed at end, as MQTT.js does) and
 * `messageIdProvider` (the ids of publish/subscribe/unsubscribe, given back on completion).
 */
const Store = require('./store')
const payload = require('./payload')
const options = require('./options')
const { noop } = require('./args')
const { ID_PROVIDER, STORED_ALIAS_TOPICS } = require('../build-flags')

// mq_publish flags (src/wasm/mod.rs): the core picks the id at the call; restore a stored
// packet; that packet is a PUBREL.
const ASSIGN_NOW = 16
const RESTORE = 32
const RESTORE_PUBREL = 64

/**
 * The page's PUBLISH as MQTT.js stores it, for a later connection or client to send: a
 * Topic Alias is for one connection, so without it, and the topic in full (`aliasTopic`,
 * what an alias alone stands for, from the core). Other properties are kept; the page's
 * own objects are left as they are.
 */
function storable (packet, aliasTopic) {
  const p = Object.assign({}, packet, { topic: aliasTopic || packet.topic })
  if (p.properties) {
    p.properties = Object.assign({}, p.properties)
    delete p.properties.topicAlias
  }
  return p
}

class Outgoing {
  constructor (client) {
    this._client = client
    this._provider = (ID_PROVIDER && client.options.messageIdProvider) || null
    this._waiting = [] // calls waiting for the provider to free an id, in call order
    this._useStores(client.options)
  }

  /**
   * MQTT.js' stores: those of `given` (also written into `options` when given), else fresh
   * in-memory ones. A page's outgoing store is read into the core at the next connect.
   */
  _useStores (given, options) {
    const c = this._client
    if (options) {
      options.incomingStore = given ? given.incomingStore : null
      options.outgoingStore = given ? given.outgoingStore : null
    }
    const o = given || {}
    c.outgoingStore = o.outgoingStore || new Store()
    c.incomingStore = o.incomingStore || new Store()
    this._unread = o.outgoingStore || null
    // MQTT.js fills its default in-memory store too, but nothing reads ours (the core keeps
    // the in-flight state): only a page's store is kept up to date, at no cost to others.
    this._pageStore = !!o.outgoingStore
  }

  /**
   * The mq_publish id flags of a QoS 1/2 publish: the provider's id; "the core picks now"
   * when a page's store or `cbStorePut` (`storePut`) waits for it; else 0, the core picks it
   * when the PUBLISH goes out (no IN_FLIGHT event: the fast path). null when the provider
   * has none left: `retry` runs once one is given back.
   */
  _idFlags (qos, retry, storePut) {
    if (!qos) return 0
    if (!ID_PROVIDER || !this._provider) return this._pageStore || storePut ? ASSIGN_NOW : 0
    const id = this._provider.allocate()
    if (id == null) {
      this._waiting.push(retry)
      return null
    }
    return id << 16
  }

  /** A subscribe/unsubscribe's id from the provider (0: the core's). */
  _requestId () {
    return (ID_PROVIDER && this._provider && this._provider.allocate()) || 0
  }

  _lastId (core) {
    return ID_PROVIDER && this._provider ? this._provider.getLastAllocated() : (core && core.last_message_id()) || null
  }

  /** IN_FLIGHT: the op's PUBLISH has its id, or (released) its PUBREL takes its place. */
  _inFlight (core) {
    const op = this._client._ops.get(core.ev_op())
    const messageId = core.ev_message_id()
    const released = core.ev_code()
    if (!op || !op._packet) return
    if (!released) op._packet.messageId = messageId
    if (!this._pageStore) return !released && op._storePut && op._storePut()
    const packet = released ? { cmd: 'pubrel', messageId } : STORED_ALIAS_TOPICS ? storable(op._packet, core.ev_topic()) : Object.assign({}, op._packet)
    this._client.outgoingStore.put(packet, (err) => {
      if (err) this._client.emit('error', err)
      else if (!released && op._storePut) op._storePut()
    })
  }

  /**
   * An op is _finished (`messageId`: its packet id, 0 if not known): its PUBLISH leaves the
   * store, its id goes back to the provider, and a call waiting for an id gets one.
   */
  _finished (op, messageId) {
    const id = messageId || op._messageId || (op._packet && op._packet.messageId)
    if (!id) return
    if (op._kind === 'publish' && this._pageStore) this._client.outgoingStore.del({ messageId: id }, noop)
    if (!ID_PROVIDER || !this._provider) return
    this._provider.deallocate(op._messageId || id)
    const next = this._waiting.shift()
    if (next) next()
  }

  /**
   * Reads the page's store into the core (once per store), then calls `then`; a store
   * that fails to read is reported as 'error' and the client connects without it.
   */
  _restore (then) {
    const store = this._unread
    // Before the core is ready the store waits for the client's start, which reads it.
    if (!store || !this._client._core) return then()
    this._unread = null
    const packets = []
    let stream = null
    let done = false
    const finish = (err) => {
      if (done) return
      done = true
      if (err) this._client.emit('error', err)
      this._client._coreCall((core, now) => packets.forEach((p) => this._restoreOne(core, now, p)))
      then()
      if (stream) stream.destroy()
    }
    try {
      stream = store.createStream()
      stream.on('data', (p) => packets.push(p))
      stream.on('end', () => finish())
      stream.on('error', finish)
    } catch (e) {
      finish(e)
    }
  }

  _restoreOne (core, now, p) {
    const id = p.messageId
    const pubrel = p.cmd === 'pubrel'
    const bytes = pubrel ? new Uint8Array(0) : p.cmd === 'publish' && payload.toBytes(p.payload)
    // Ids outside 16 bits must not wrap into another id; the core refuses a QoS 0 publish.
    if (!(id > 0 && id < 65536) || !bytes) return
    const props = this._client._v5() ? options.coreProperties(p.properties) : undefined
    const flags = RESTORE | (pubrel ? RESTORE_PUBREL : 0) | id << 16
    const op = core.publish(now, pubrel ? '' : String(p.topic), bytes, p.qos, !!p.retain, false, props, flags)
    if (op) this._client._ops.set(op, { _kind: 'publish', _cb: noop, _packet: p })
  }

  /** Closes both stores as MQTT.js' end() does; `cb(err)` with the first error. */
  _close (cb) {
    const c = this._client
    c.incomingStore.close((e1) => c.outgoingStore.close((e2) => cb(e1 || e2)))
  }
}

module.exports = Outgoing
