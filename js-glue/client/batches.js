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
  const count = size > 0 ? Math.ceil(subs.length / size) : 1
  // Without a callback each failure goes to 'error' on its own, as one SUBSCRIBE's would.
  if (count <= 1 || cb === noop) return count <= 1 ? [[subs, cb]] : chunks(subs, size).map((c) => [c, cb])
  const granted = subs.slice()
  const acks = []
  let left = count
  return chunks(subs, size).map((chunk, i) => [chunk, (err, chunkGranted, ack) => {
    if (left <= 0) return
    if (chunkGranted) granted.splice(i * size, chunkGranted.length, ...chunkGranted)
    acks[i] = ack
    if (err) left = 0
    else left--
    if (err || left === 0) cb(err || null, granted, err ? ack : acks[count - 1])
  }])
}

function chunks (subs, size) {
  const out = []
  for (let i = 0; i < subs.length; i += size) out.push(subs.slice(i, i + size))
  return out
}

module.exports = { batches }
