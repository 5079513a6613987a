'use strict'
// Option normalisation: MQTT.js defaults and URL merging, never touching the
// page's object (MQTT.js #1471: one options object shared by two clients).
const url = require('./url')
const payload = require('./payload')
const { DEFAULT_SCHEME } = require('../shared/schemes')

const DEFAULTS = {
  keepalive: 60,
  reschedulePings: true,
  protocolId: 'MQTT',
  protocolVersion: 4,
  reconnectPeriod: 1000,
  connectTimeout: 30 * 1000,
  clean: true,
  resubscribe: true,
  queueQoSZero: true,
  reconnectOnConnackError: false,
  writeCache: true
}

// Options the wasm core understands, copied as they are when the page set them: those with
// a default above (but protocolId and writeCache, which only MQTT.js used) and these.
const CORE_FIELDS = Object.keys(DEFAULTS).filter((k) => k !== 'protocolId' && k !== 'writeCache').concat(
  ('clientId backoff maxReconnectAttempts queueLimit maxIncomingPacketSize autoUseTopicAlias ' +
    'autoAssignTopicAlias sameClientIdWindow sameClientIdLimit queueByteLimit maxInflight stopOnClientIdTaken').split(' '))

/** 'mqttjs_' + 8 hex digits, as MQTT.js names anonymous clients. */
function defaultClientId () {
  let id = 'mqttjs_'
  for (let i = 0; i < 8; i++) id += Math.floor(Math.random() * 16).toString(16)
  return id
}

/**
 * Merges a broker URL under the page's options (page options win, as in
 * MQTT.js' xtend(parsed, opts)). Returns a new object.
 * @param {string} [brokerUrl]
 * @param {object} [opts]
 */
function mergeUrl (brokerUrl, opts) {
  const parsed = brokerUrl ? url.parseUrl(brokerUrl) : {}
  const o = Object.assign({}, parsed, opts)
  // MQTT.js' message, which pages match on; ours in `hint`.
  if (brokerUrl && !o.protocol) throw Object.assign(new Error('Missing protocol'), { hint: 'e.g. wss://host/mqtt' })
  return o
}

/**
 * Applies defaults and URL-derived fields (auth, ?clientId=) to a copy.
 * Throws like MQTT.js on unusable options.
 * @param {object} input options, possibly from mergeUrl
 * @returns {object} the client's `options`
 */
function normalise (input) {
  const o = Object.assign({}, input)
  if (o.host && !o.hostname) o.hostname = o.host
  // MQTT.js refuses a client certificate without a scheme to use it with.
  if (!o.protocol && o.cert && o.key) throw new Error('Missing secure protocol key')
  if (!o.protocol) o.protocol = o.servers && o.servers[0] && o.servers[0].protocol ? o.servers[0].protocol : DEFAULT_SCHEME.protocol
  o.protocol = String(o.protocol).replace(/:$/, '')
  url.wsScheme(o.protocol)
  if (o.servers) {
    if (!Array.isArray(o.servers) || o.servers.length === 0) throw new Error('servers must be a non-empty array of {host, port, protocol}')
    o.servers.forEach((s) => url.wsScheme(s.protocol || o.protocol))
  }
  if (o.wsOptions === undefined) o.wsOptions = {}

  // URL credentials override username/password, as in MQTT.js.
  if (o.auth) {
    const m = /^(.+):(.+)$/.exec(o.auth)
    if (m) {
      o.username = m[1]
      o.password = m[2]
    } else {
      o.username = o.auth
    }
  }
  if (o.query && typeof o.query.clientId === 'string') o.clientId = o.query.clientId

  for (const k in DEFAULTS) if (o[k] === undefined) o[k] = DEFAULTS[k]
  if (o.clean === false && !o.clientId) throw new Error('Missing clientId for unclean clients')
  if (typeof o.clientId !== 'string') o.clientId = defaultClientId()
  for (const k of ['credentialsProvider', 'transformWsUrl']) {
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new TypeError(k + ' must be a function')
  }
  return o
}

/** A string or binary value as the core takes it: a string or a plain Uint8Array. */
function coreBinary (value) {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  const bytes = payload.toBytes(value)
  return bytes || String(value)
}

/** MQTT 5 properties with Buffer/string binary fields as plain Uint8Arrays. */
function coreProperties (props) {
  if (!props || typeof props !== 'object') return undefined
  const out = Object.assign({}, props)
  ;['authenticationData', 'correlationData'].forEach((k) => {
    if (out[k] != null) {
      const bytes = payload.toBytes(out[k])
      if (bytes) out[k] = bytes
    }
  })
  return out
}

/**
 * The plain object given to `new Core(...)` (docs/core-interface.md).
 * @param {object} o normalised options
 */
function coreOptions (o) {
  const c = {}
  CORE_FIELDS.forEach((k) => {
    if (o[k] != null) c[k] = o[k]
  })
  if (o.will) {
    const will = Object.assign({}, o.will)
    const bytes = payload.toBytes(will.payload)
    if (!bytes) throw new TypeError('will.payload must be ' + payload.PAYLOAD_TYPES)
    will.payload = bytes
    if (will.properties) will.properties = coreProperties(will.properties)
    c.will = will
  }
  if (o.properties) c.properties = coreProperties(o.properties)
  // Always: without a provider the client answers with the options as they are at each
  // attempt (MqttClient#_giveOptions), so the page may change them between attempts.
  c.credentialsProvider = true
  return c
}

/**
 * MQTT.js' `authPacket`: with an authentication method, an AUTH ({reasonCode: 0} merged with
 * the option) follows the CONNECT at once (v5).
 */
function sendAuthPacket (o, core, now) {
  if (!o.authPacket || typeof o.authPacket !== 'object' || !o.properties || !o.properties.authenticationMethod) return
  const auth = Object.assign({ reasonCode: 0 }, o.authPacket)
  core.send_auth(now, auth.reasonCode, coreProperties(auth.properties))
}

module.exports = { sendAuthPacket, DEFAULTS, defaultClientId, mergeUrl, normalise, coreOptions, coreProperties, coreBinary }
