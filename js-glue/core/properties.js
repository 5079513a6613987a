'use strict'
/**
 * v5 properties from the broker, which the core hands over as the body of their MQTT
 * property section (after checking it), read into the object MQTT.js gives pages: mqtt-packet's
 * names, flags as booleans, binary data as bytes, User Properties as `{name: value}` or
 * `{name: [values]}` for a name that repeats, a repeated Subscription Identifier as an array.
 */
const utf8 = require('../shared/utf8')

/**
 * The core's table of the properties a broker may send (`mq_property_names`,
 * "<identifier><kind> <name>" entries) by identifier, as kind + name.
 * @param {string} table
 * @returns {string[]}
 */
function byIdentifier (table) {
  const names = []
  table.replace(/(\d+)(\w) (\w+)/g, (_, id, kind, name) => { names[id] = kind + name })
  return names
}

/**
 * A second value under `key` makes an array of them, in wire order, as in mqtt-packet;
 * defineProperty, so a User Property named "__proto__" from the broker stays a property.
 */
function add (object, key, value) {
  const had = object[key]
  const repeated = Object.prototype.hasOwnProperty.call(object, key)
  Object.defineProperty(object, key, {
    value: repeated ? [].concat(had, value) : value,
    enumerable: true,
    writable: true,
    configurable: true
  })
}

/**
 * @param {Uint8Array} b
 * @param {number} p   start of the section body
 * @param {number} end
 * @param {string[]} names  byIdentifier's result
 * @returns {object}
 */
function decode (b, p, end, names) {
  const out = {}
  const u16 = () => b[p++] << 8 | b[p++]
  const text = () => {
    const length = u16()
    return utf8.decode(b, p, (p += length))
  }
  while (p < end) {
    const entry = names[b[p++]]
    if (!entry) throw new Error('mpmqtt: unknown property ' + b[p - 1] + ' from the core')
    const kind = entry[0]
    let value
    if (kind === 'v') {
      value = 0
      for (let scale = 1, byte = 128; byte & 128; scale *= 128) {
        byte = b[p++]
        value += (byte & 127) * scale
      }
    } else if (kind === 'd') {
      const length = u16()
      value = b.slice(p, (p += length)) // a copy: the core reuses its memory
    } else if (kind === 'p') {
      const key = text()
      add(out.userProperties || (out.userProperties = {}), key, text())
      continue
    } else {
      value = kind === 's' ? text() : kind === 'w' ? u16() * 65536 + u16() : kind === 'h' ? u16() : kind === 'b' ? b[p++] !== 0 : b[p++]
    }
    add(out, entry.slice(1), value)
  }
  return out
}

module.exports = { decode, byIdentifier }
