'use strict'

/**
 * MQTT 3.1.1 CONNACK return codes and MQTT 5 reason codes, as MQTT.js words them:
 * {0: '', 1: 'Unacceptable protocol version', ..., 162: 'Wildcard Subscriptions not supported'}.
 * Written as runs of consecutive codes, which minifies to half the size of the object literal.
 */
const ReasonCodes = {}
;[
  [0, '|Unacceptable protocol version|Identifier rejected|Server unavailable|Bad username or password|Not authorized'],
  [16, 'No matching subscribers|No subscription existed'],
  [128, 'Unspecified error|Malformed Packet|Protocol Error|Implementation specific error|Unsupported Protocol Version|' +
    'Client Identifier not valid|Bad User Name or Password|Not authorized|Server unavailable|Server busy|Banned|' +
    'Server shutting down|Bad authentication method|Keep Alive timeout|Session taken over|Topic Filter invalid|' +
    'Topic Name invalid|Packet identifier in use|Packet Identifier not found|Receive Maximum exceeded|' +
    'Topic Alias invalid|Packet too large|Message rate too high|Quota exceeded|Administrative action|' +
    'Payload format invalid|Retain not supported|QoS not supported|Use another server|Server moved|' +
    'Shared Subscriptions not supported|Connection rate exceeded|Maximum connect time|' +
    'Subscription Identifiers not supported|Wildcard Subscriptions not supported']
].forEach(([first, texts]) => texts.split('|').forEach((text, i) => { ReasonCodes[first + i] = text }))

/** MQTT.js' wording of a return/reason code, or a plain statement of an unknown one. */
function reasonText (code) {
  return ReasonCodes[code] || 'unknown reason code ' + code
}

/**
 * An Error of the core's text: MQTT.js' message where pages match on one, and after a line
 * break the core's longer explanation, which goes in `hint`.
 */
function coreError (text) {
  const lines = text.split('\n')
  const err = new Error(lines[0])
  if (lines[1]) err.hint = lines[1]
  return err
}

/** An Error carrying an MQTT reason/return code in `code` (MQTT.js 5 name). */
class ErrorWithReasonCode extends Error {
  constructor (message, code) {
    super(message)
    this.code = code
    // Keep instanceof working when a build step transpiles classes to ES5.
    Object.setPrototypeOf(this, ErrorWithReasonCode.prototype)
  }
}
ErrorWithReasonCode.prototype.name = 'ErrorWithReasonCode'

/**
 * The error for a socket that failed before it opened, with the platform's hint if it has one;
 * `code` is the cause's (ECONNREFUSED, as MQTT.js reports it in Node) when the platform gave one.
 */
function connectionFailed (why, socketUrl, platform, cause) {
  let text = 'Connection failed' + (why ? ': ' + why : '')
  if (platform && platform.connectionFailedHint) text += platform.connectionFailedHint(socketUrl)
  const err = new Error(text)
  err.code = cause.code || 'connection_failed'
  return err
}

/**
 * A refusal by the broker (CONNACK, PUBACK/PUBREC, SUBACK), worded as MQTT.js words it: what
 * was refused ("Publish error"; the core's text for its own events), then the code's wording.
 */
function refusal (what, code) {
  return new ErrorWithReasonCode(what + ': ' + reasonText(code), code)
}

module.exports = { ReasonCodes, reasonText, ErrorWithReasonCode, connectionFailed, refusal, coreError }
