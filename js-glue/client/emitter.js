'use strict'
// The subset of Node's EventEmitter that MQTT.js pages use.

function checkListener (fn) {
  if (typeof fn !== 'function') throw new TypeError('The "listener" argument must be a function')
}

class EventEmitter {
  constructor () {
    this._events = {}
  }

  on (name, fn) {
    checkListener(fn)
    ;(this._events[name] || (this._events[name] = [])).push(fn)
    return this
  }

  once (name, fn) {
    checkListener(fn)
    const self = this
    function wrapper () {
      self.removeListener(name, wrapper)
      return fn.apply(self, arguments)
    }
    wrapper.listener = fn
    return this.on(name, wrapper)
  }

  removeListener (name, fn) {
    const list = this._events[name]
    if (!list) return this
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === fn || list[i].listener === fn) {
        // Replace rather than splice so an emit in progress keeps its snapshot.
        this._events[name] = list.slice(0, i).concat(list.slice(i + 1))
        break
      }
    }
    if (this._events[name].length === 0) delete this._events[name]
    return this
  }

  removeAllListeners (name) {
    if (name === undefined) this._events = {}
    else delete this._events[name]
    return this
  }

  /** Calls the listeners in order; an unhandled 'error' throws, as in Node. */
  emit (name, ...args) {
    const list = this._events[name]
    if (!list) {
      if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error('Unhandled error: ' + args[0])
      return false
    }
    for (let i = 0; i < list.length; i++) list[i].apply(this, args)
    return true
  }

  listeners (name) {
    return (this._events[name] || []).map((fn) => fn.listener || fn)
  }

  listenerCount (name) {
    return this._events[name] ? this._events[name].length : 0
  }

  eventNames () {
    return Object.keys(this._events)
  }

  // Accepted for Node compatibility; there is no leak warning to configure.
  setMaxListeners () {
    return this
  }
}

const proto = EventEmitter.prototype
proto.addListener = proto.on
proto.off = proto.removeListener

module.exports = EventEmitter
