'use strict'
// ./extras.js of the one-platform builds (dist/wx, dist/my): without the options pages rarely
// use, which mqtt.connect() refuses by name rather than ignore.
const RARE = ['customHandleAcks', 'subscribeBatchSize', 'authPacket']

/** @returns {object} `options`, unless it sets one of them */
function check (options) {
  const set = RARE.filter((name) => options[name] != null)
  if (set.length) throw new Error(set.join(', ') + ': only in the universal build (dist/mqtt.min.js), not in this one')
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
