'use strict'
// Argument shapes of MQTT.js' publish/subscribe/unsubscribe.

function noop () {}

/** (opts, cb) | (cb) -> {_opts, _cb}; _cb is always a function. */
function optsAndCallback (opts, cb) {
  if (typeof opts === 'function') return { _opts: null, _cb: opts }
  return { _opts: opts && typeof opts === 'object' ? opts : null, _cb: typeof cb === 'function' ? cb : noop }
}

/** end([force], [opts], [cb]) -> {_force, _opts, _cb}; _opts null unless an object. */
function endArgs (force, opts, cb) {
  if (typeof force !== 'boolean') {
    cb = cb || opts
    opts = force
    force = false
  }
  if (typeof opts !== 'object' || opts === null) {
    cb = cb || opts
    opts = null
  }
  // The DISCONNECT's reason code (v5), one byte.
  const reasonCode = opts && typeof opts.reasonCode === 'number' ? opts.reasonCode & 0xff : 0
  return { _force: force, _opts: opts, _reasonCode: reasonCode, _cb: typeof cb === 'function' ? cb : noop }
}

// An unpaired surrogate cannot be encoded as UTF-8: the string would reach the broker altered.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/

/** A string that UTF-8 encodes without loss. */
function wellFormed (s) {
  return typeof s === 'string' && !LONE_SURROGATE.test(s)
}

/**
 * MQTT topic filter rules: '#' only as the whole last level, '+' only as a whole level. The
 * page's check, with MQTT.js' messages, made at the call (before the core may be loaded);
 * the core checks again for itself, and tests/js/core/filter-validation.test.js holds both
 * to one rule.
 */
function validFilter (topic) {
  if (typeof topic !== 'string' || topic.length === 0 || !wellFormed(topic)) return false
  const levels = topic.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]
    if (level === '+') continue
    if (level === '#') return i === levels.length - 1
    if (level.indexOf('+') >= 0 || level.indexOf('#') >= 0) return false
  }
  return true
}

/** The first invalid filter of a list (as MQTT.js reports it), or null. */
function invalidTopicList (topics) {
  if (!Array.isArray(topics)) return String(topics)
  if (topics.length === 0) return 'empty_topic_list'
  for (let i = 0; i < topics.length; i++) if (!validFilter(topics[i])) return String(topics[i])
  return null
}

function validQos (qos) {
  return qos === 0 || qos === 1 || qos === 2
}

/**
 * subscribe()'s first two arguments as a list of {topic, qos[, nl, rap, rh]}.
 * @returns {{_subs: object[]}|{_error: string}}
 */
function subscriptions (topicObject, opts, v5) {
  const base = Object.assign({ qos: 0 }, opts)
  let entries
  if (typeof topicObject === 'string') entries = [[topicObject, base]]
  else if (Array.isArray(topicObject)) entries = topicObject.map((t) => [t, base])
  else if (topicObject && typeof topicObject === 'object') {
    entries = Object.keys(topicObject).map((t) => {
      const v = topicObject[t]
      return [t, typeof v === 'number' ? Object.assign({}, base, { qos: v }) : Object.assign({}, base, v)]
    })
  } else return { _error: String(topicObject) }
  const bad = invalidTopicList(entries.map((e) => e[0]))
  if (bad) return { _error: bad }
  const subs = []
  for (let i = 0; i < entries.length; i++) {
    const o = entries[i][1]
    if (!validQos(o.qos)) return { _error: entries[i][0] + ' (invalid qos ' + o.qos + ')' }
    const sub = { topic: entries[i][0], qos: o.qos }
    if (v5) {
      sub.nl = !!o.nl
      sub.rap = !!o.rap
      sub.rh = o.rh || 0
      // As in MQTT.js: the call's properties on every subscription (and so in granted).
      sub.properties = base.properties
    }
    subs.push(sub)
  }
  return { _subs: subs }
}

module.exports = { noop, endArgs, wellFormed, optsAndCallback, validFilter, invalidTopicList, validQos, subscriptions }
