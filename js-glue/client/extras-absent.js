'use strict'
// ./extras.js of the one-platform builds (dist/wx, dist/my): without the options pages rarely
// use, which mqtt.connect() refuses by name rather than ignore.
const RARE = ['customHandleAcks', 'subscribeBatchSize', 'authPacket']

/** @returns {object} `options`, unless it sets one of them */
function check (options) {
  for (const name of RARE) if (options[name] != null) throw new Error(name + ': only in the universal build (dist/mqtt.min.js)')
  return options
}

/** One SUBSCRIBE per subscribe() call. */
function batches (size, subs, cb) {
  return [[subs, cb]]
}

function sendAuthPacket () {}

// acks.js delivers without it.
const customAcks = null

module.exports = { check, batches, customAcks, sendAuthPacket }
