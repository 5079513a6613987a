'use strict'
// MQTT.js' two packet id allocators, for `messageIdProvider` (same methods and results as
// MQTT.js 5 documents and tests them).

/** Counts on from a random start, wrapping 65535 -> 1; ids in flight are not tracked. */
class DefaultMessageIdProvider {
  constructor () {
    this.nextId = Math.max(1, Math.floor(Math.random() * 65535))
  }

  allocate () {
    const id = this.nextId++
    if (this.nextId === 65536) this.nextId = 1
    return id
  }

  getLastAllocated () {
    return this.nextId === 1 ? 65535 : this.nextId - 1
  }

  register () {
    return true
  }

  deallocate () {}
  clear () {}
}

/** The lowest id not in use; null when all 65535 are. */
class UniqueMessageIdProvider {
  constructor () {
    this._used = new Uint8Array(65536)
    this._lastId = undefined
  }

  allocate () {
    const id = this._used.indexOf(0, 1)
    this._lastId = id < 0 ? null : id
    if (id > 0) this._used[id] = 1
    return this._lastId
  }

  getLastAllocated () {
    return this._lastId
  }

  register (id) {
    if (!(id >= 1 && id <= 65535) || this._used[id]) return false
    this._used[id] = 1
    return true
  }

  deallocate (id) {
    if (id >= 1 && id <= 65535) this._used[id] = 0
  }

  clear () {
    this._used.fill(0)
  }
}

module.exports = { DefaultMessageIdProvider, UniqueMessageIdProvider }
