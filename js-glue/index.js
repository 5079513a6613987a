'use strict'
// mpmqtt: MQTT.js' mqtt.min.js API for mini-programs, backed by a wasm core.
const MqttClient = require('./client/mqtt-client')
const Store = require('./client/store')
const options = require('./client/options')
const errors = require('./client/errors')
const { noop } = require('./client/args')
const { DefaultMessageIdProvider, UniqueMessageIdProvider } = require('./client/extras')

/**
 * connect([brokerUrl], [options]) -> MqttClient, at once; the wasm core loads
 * in the background and calls made meanwhile are queued.
 * @param {string|object} [brokerUrl] e.g. 'wxs://broker.example.com:8084/mqtt'
 * @param {object} [opts]
 */
function connect (brokerUrl, opts) {
  if (brokerUrl && typeof brokerUrl === 'object' && !opts) {
    opts = brokerUrl
    brokerUrl = ''
  }
  const client = new MqttClient(options.mergeUrl(brokerUrl, opts))
  // Like MQTT.js: an 'error' nobody listens to must not throw.
  client.on('error', noop)
  return client
}

/**
 * Resolves with the client on its first 'connect' (or 'end'); rejects on
 * 'error' (ending the client), or on the first 'close' when allowRetries is false.
 */
function connectAsync (brokerUrl, opts, allowRetries) {
  return new Promise((resolve, reject) => {
    const client = connect(brokerUrl, opts)
    const connected = () => {
      remove()
      resolve(client)
    }
    const listeners = {
      connect: connected,
      end: connected,
      error: (err) => {
        remove()
        client.end()
        reject(err)
      }
    }
    if (allowRetries === false) listeners.close = () => listeners.error(new Error("Couldn't connect to server"))
    const remove = () => Object.keys(listeners).forEach((k) => client.removeListener(k, listeners[k]))
    Object.keys(listeners).forEach((k) => client.on(k, listeners[k]))
  })
}

module.exports = connect
connect.connect = connect
connect.connectAsync = connectAsync
connect.MqttClient = MqttClient
connect.Client = MqttClient
connect.Store = Store
connect.DefaultMessageIdProvider = DefaultMessageIdProvider
connect.UniqueMessageIdProvider = UniqueMessageIdProvider
connect.ReasonCodes = errors.ReasonCodes
connect.ErrorWithReasonCode = errors.ErrorWithReasonCode
connect.default = connect
