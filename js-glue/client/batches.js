'use strict'
// MQTT.js' subscribeBatchSize: a subscribe of more filters than that goes out as several
// SUBSCRIBEs of at most that many, and the page hears once, with every grant in the order
// asked — or the first failure, as MQTT.js' Promise.all does.
const { noop } = require('./args')

/**
 * [filters, callback] per SUBSCRIBE to send.
 * @param {number|undefined} size  options.subscribeBatchSize
 * @param {object[]} subs  the filters of one subscribe() call
 * @param {Function} cb  the page's callback(err, granted, suback)
 */
function batches (size, subs, cb) {
  const chunks = []
  const step = size > 0 ? size : subs.length
  for (let i = 0; i < subs.length; i += step) chunks.push(subs.slice(i, i + step))
  // Without a callback each failure goes to 'error' on its own, as one SUBSCRIBE's would.
  if (chunks.length < 2 || cb === noop) return chunks.map((chunk) => [chunk, cb])
  const granted = subs.slice()
  const acks = []
  let left = chunks.length
  return chunks.map((chunk, i) => [chunk, (err, chunkGranted, ack) => {
    if (!left) return
    if (chunkGranted) granted.splice(i * step, chunkGranted.length, ...chunkGranted)
    acks[i] = ack
    left = err ? 0 : left - 1
    if (!left) cb(err || null, granted, err ? ack : acks[chunks.length - 1])
  }])
}

module.exports = { batches }
