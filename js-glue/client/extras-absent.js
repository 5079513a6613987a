'use strict'
// ./extras.js of the one-platform builds (dist/wx, dist/my): without the options and exports
// pages rarely use, which are refused by name rather than ignored.
const RARE = ['customHandleAcks', 'subscribeBatchSize', 'authPacket', 'messageIdProvider']

const absent = (name) => new Error(name + ': only in the universal build (dist/mqtt.min.js)')

/** @returns {object} `options`, unless it sets one of them */
function check (options) {
  for (const name of RARE) if (options[name] != null) throw absent(name)
  return options
}

// MQTT.js' id allocator classes.
function DefaultMessageIdProvider () {
  throw absent('DefaultMessageIdProvider')
}
function UniqueMessageIdProvider () {
  throw absent('UniqueMessageIdProvider')
}

/** One SUBSCRIBE per subscribe() call. */
function batches (size, subs, cb) {
  return [[subs, cb]]
}

function sendAuthPacket () {}

// No option here ends the client before it connects: mqtt-client.js emits the error itself.
const reportLoadError = null

// acks.js delivers without it.
const customAcks = null

module.exports = { check, batches, customAcks, sendAuthPacket, reportLoadError, DefaultMessageIdProvider, UniqueMessageIdProvider }
