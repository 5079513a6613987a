'use strict'
// Credentials before each connection attempt: the core asks (NEED_CREDENTIALS) and gets the
// page's credentialsProvider answer or, without one, the client's options as they are then.
const options = require('./options')
const { nextUrl } = require('./url')

/**
 * Answers the core's NEED_CREDENTIALS. MQTT.js builds each CONNECT from `client.options`,
 * which a 'reconnect' or 'close' handler, or transformWsUrl, may have changed; a
 * credentialsProvider is called for every attempt instead.
 * @param {import('./mqtt-client')} client
 * @param {object} core  the Core whose current event is NEED_CREDENTIALS
 */
function askCredentials (client, core) {
  const attempt = core.ev_code()
  // The socket URL now, before the CONNECT is built: transformWsUrl may change credentials.
  // When it throws it throws again in _openSocket, where a failed attempt is handled.
  try {
    client._url = nextUrl(client)
  } catch (ignored) {}
  client._credentialsAttempt = attempt
  let settled = false
  const answer = (err, creds) => {
    if (settled) return
    settled = true
    // An answer for an attempt that was abandoned meanwhile is dropped.
    if (attempt !== client._credentialsAttempt || client._ended) return
    client._coreCall((c, now) => {
      if (err || !creds || typeof creds !== 'object') {
        const message = err && err.message ? err.message : 'credentialsProvider gave no credentials'
        c.credentials_failed(now, String(message))
      } else {
        const clientId = typeof creds.clientId === 'string' ? creds.clientId : undefined
        if (clientId !== undefined) client.options.clientId = clientId
        const username = creds.username == null ? undefined : String(creds.username)
        c.provide_credentials(now, username, options.coreBinary(creds.password), clientId)
      }
    })
  }
  try {
    const provider = client.options.credentialsProvider || ((cb) => cb(null, client.options))
    const result = provider(answer, { attempt, clientId: client.options.clientId })
    if (result && typeof result.then === 'function') result.then((creds) => answer(null, creds), (e) => answer(e || new Error('credentialsProvider failed')))
  } catch (e) {
    answer(e)
  }
}

module.exports = { askCredentials }
