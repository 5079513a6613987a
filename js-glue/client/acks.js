'use strict'
// Acknowledgements the page controls, as MQTT.js 5 gives them (docs/compat.md): a page that
// overrides `handleMessage`, or gives a v5 `customHandleAcks`, gets back-pressure — a
// message's PUBACK (QoS 1) or PUBREC (QoS 2) leaves when the page calls back, and the next
// incoming packet is read only then (the core holds it: set_page_acks, message_handled).
// Other pages pay nothing: the core acknowledges on receipt, as before.
const { guarded } = require('./callbacks')
const extras = require('./extras')

/**
 * MqttClient#handleMessage, the hook called for each incoming PUBLISH after 'message'.
 * Override it to delay the message's acknowledgement, and the next message, until
 * `callback()`; `callback(err)` withholds the acknowledgement (the broker resends).
 */
function handleMessage (packet, callback) {
  callback()
}

/** Whether the page decides when messages are acknowledged. */
function wanted (client) {
  return client.handleMessage !== handleMessage || !!(extras.customAcks && client._v5() && typeof client.options.customHandleAcks === 'function')
}

/** Turns the core's page acknowledgements on once the page wants them (from the next message on). */
function sync (client, core) {
  if (!client._pageAcks && wanted(client)) {
    client._pageAcks = true
    core.set_page_acks(true)
  }
}

/** Delivers an incoming message: 'message', then the page's hooks when it has any. */
function deliver (client, core, topic, message, packet) {
  if (!client._pageAcks) {
    sync(client, core)
    if (!client._pageAcks) return client.emit('message', topic, message, packet)
    // Hooks set since the last message: this one was acknowledged on receipt, the next wait.
  }
  // The core holds this message until told, on this connection only: once it is lost (the
  // socket replaced), the acknowledgement was forgotten with it.
  const sock = client._sock
  let finished = false
  const finish = (acknowledge, reasonCode) => {
    if (finished || client._sock !== sock) return
    finished = true
    client._coreCall((c, now) => c.message_handled(now, packet.messageId || 0, acknowledge, reasonCode || 0), true)
  }
  // As MQTT.js: an error from handleMessage keeps the acknowledgement back, and is not emitted.
  const handle = (reasonCode) => guarded(() => client.handleMessage(packet, (err) => finish(!err, reasonCode)), () => finish(false))
  const custom = extras.customAcks && client._v5() && packet.qos > 0 && client.options.customHandleAcks
  if (typeof custom === 'function') return extras.customAcks(client, custom, topic, message, packet, finish, handle)
  guarded(() => client.emit('message', topic, message, packet))
  handle(0)
}

module.exports = { handleMessage, deliver, sync }
