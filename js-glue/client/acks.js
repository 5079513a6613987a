'use strict'
// Acknowledgements the page controls, as MQTT.js 5 gives them (docs/compat.md): a page that
// overrides `handleMessage`, or gives a v5 `customHandleAcks`, gets back-pressure — a
// message's PUBACK (QoS 1) or PUBREC (QoS 2) leaves when the page calls back, and the next
// incoming packet is read only then (the core holds it: set_page_acks, message_handled).
// Other pages pay nothing: the core acknowledges on receipt, as before.
const { rethrowLater } = require('./callbacks')

// The reason codes MQTT.js lets customHandleAcks put in a PUBACK/PUBREC.
const VALID_CODES = [0, 16, 128, 131, 135, 144, 145, 151, 153]

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
  return client.handleMessage !== handleMessage || (client._v5() && typeof client.options.customHandleAcks === 'function')
}

/** Turns the core's page acknowledgements on once the page wants them (from the next message on). */
function sync (client, core) {
  if (!client._pageAcks && wanted(client)) {
    client._pageAcks = true
    core.set_page_acks(true)
  }
}

/**
 * A listener or hook that throws is reported like an uncaught error; `onThrow` then lets the
 * next packet come (a hook that threw will not call back).
 */
function guarded (fn, onThrow) {
  try {
    fn()
  } catch (e) {
    rethrowLater(e)
    if (onThrow) onThrow()
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
    client._coreCall((c, now) => c.message_handled(now, packet.messageId || 0, acknowledge, reasonCode || 0))
  }
  // As MQTT.js: an error from handleMessage keeps the acknowledgement back, and is not emitted.
  const handle = (reasonCode) => guarded(() => client.handleMessage(packet, (err) => finish(!err, reasonCode)), () => finish(false))
  const custom = client._v5() && packet.qos > 0 && client.options.customHandleAcks
  if (typeof custom !== 'function') {
    guarded(() => client.emit('message', topic, message, packet))
    return handle(0)
  }
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

module.exports = { handleMessage, deliver, sync }
