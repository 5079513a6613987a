'use strict'
// MQTT.js 5's `customHandleAcks(topic, message, packet, done(err, reasonCode))` (v5, QoS 1/2):
// the page picks the reason code of the message's PUBACK/PUBREC. Universal build only
// (./extras.js).
const { guarded } = require('./callbacks')

// The reason codes MQTT.js lets customHandleAcks put in a PUBACK/PUBREC.
const VALID_CODES = [0, 16, 128, 131, 135, 144, 145, 151, 153]

/**
 * Asks the page's `custom` hook for the code, then acknowledges through `finish(acknowledge,
 * reasonCode)` (acks.js), after `handle(reasonCode)` (handleMessage) when it delivers.
 */
function customAcks (client, custom, topic, message, packet, finish, handle) {
  const decided = (err, code) => {
    if (typeof err === 'number') {
      code = err
      err = null
    }
    if (!err && VALID_CODES.indexOf(code) < 0) err = new Error('Wrong reason code for ' + (packet.qos === 1 ? 'puback' : 'pubrec'))
    if (err) {
      finish(false)
      return client.emit('error', err)
    }
    // A QoS 2 message refused or not wanted is never delivered (MQTT.js delivers on PUBREL,
    // and stores only what it acknowledged with 0).
    if (packet.qos === 2 && code) return finish(true, code)
    if (!code) guarded(() => client.emit('message', topic, message, packet))
    handle(code)
  }
  guarded(() => custom(topic, message, packet, decided), () => finish(false))
}

module.exports = { customAcks }
