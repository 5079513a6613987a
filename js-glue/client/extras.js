'use strict'
// Options and exports pages rarely use, in the universal build (dist/mqtt.min.js) only: the one-platform
// builds (dist/wx, dist/my) get ./extras-absent.js in its place (scripts/bundle.js), which
// refuses them by name, so the WeChat page does not carry them.
const { batches } = require('./batches')
const { customAcks } = require('./custom-acks')
const { sendAuthPacket } = require('./options')
const { DefaultMessageIdProvider, UniqueMessageIdProvider } = require('./message-id-providers')

/** @returns {object} `options`: every option is supported here */
function check (options) {
  return options
}

/**
 * The core could not be had (`err`): options MQTT.js refuses by ending the client (AUTH data
 * without a method, platform/index.js, a check of this build only) end this one too, then
 * 'error', so the page sees the state MQTT.js reports there.
 */
function reportLoadError (client, err) {
  if (err.endsClient) client.end(true, () => client.emit('error', err))
  else client.emit('error', err)
}

module.exports = { check, batches, customAcks, sendAuthPacket, reportLoadError, DefaultMessageIdProvider, UniqueMessageIdProvider }
