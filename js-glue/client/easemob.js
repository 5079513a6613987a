'use strict'
/**
 * Easemob (环信) MQTT credentials: no signature, a two-step REST token flow, run over the
 * platform's HTTP request (wx.request, my.request, fetch):
 *
 *   1. POST {restApiUrl}/openapi/rm/app/token  {appClientId, appClientSecret} -> app token
 *   2. POST {restApiUrl}/openapi/rm/user/token  header Authorization: <app token> (bare),
 *      {username, expires_in, cid} -> user token, the MQTT password
 *
 * Both answers carry the token in `body.access_token`. Step 1 needs the app secret, which
 * belongs on a server: a page-supplied `userToken({username, clientId})` replaces both steps
 * (docs/clouds.md). Error messages name what is wrong, never a secret, a token or the body.
 */
const { byteLength } = require('../shared/utf8')

/** Longest client id Easemob accepts, in bytes once encoded (as MQTT counts it). */
const MAX_CLIENT_ID = 64

function required (value, message) {
  if (typeof value !== 'string' || value === '') throw new Error(message)
  return value
}

/** Checks that `clientId` has the `deviceId@appId` form and length Easemob requires. */
function checkClientId (clientId) {
  const at = typeof clientId === 'string' ? clientId.indexOf('@') : -1
  if (at < 0) throw new Error('easemob: clientId must be deviceId@appId')
  const deviceId = clientId.slice(0, at)
  const appId = clientId.slice(at + 1)
  required(deviceId, 'easemob: deviceId is empty')
  required(appId, 'easemob: appId is empty')
  if (appId.indexOf('@') >= 0) throw new Error("easemob: deviceId and appId must not contain '@'")
  if (byteLength(clientId) > MAX_CLIENT_ID) throw new Error('easemob: clientId (deviceId@appId) must be at most 64 characters')
  return clientId
}

// A space, a control character, or what would end the path: each would change the request.
const URL_BREAKING = /[\u0000-\u0020\u007f?#]/ // eslint-disable-line no-control-regex

/** `{restApiUrl}{path}`: https only, since the first request carries the app secret. */
function endpoint (restApiUrl, path) {
  required(restApiUrl, 'easemob: restApiUrl is empty')
  if (!restApiUrl.startsWith('https://')) throw new Error('easemob: restApiUrl must start with https://')
  const rest = restApiUrl.slice('https://'.length)
  if (rest === '' || URL_BREAKING.test(rest)) throw new Error('easemob: restApiUrl must be an https URL without query or spaces')
  return restApiUrl.replace(/\/+$/, '') + path
}

function post (url, headers, body) {
  return { url, method: 'POST', headers: Object.assign(headers, { 'content-type': 'application/json' }), data: JSON.stringify(body) }
}

/** Step 1: `{url, method, headers, data}` for the app token. */
function appTokenRequest (restApiUrl, appClientId, appClientSecret) {
  required(appClientId, 'easemob: appClientId is empty')
  required(appClientSecret, 'easemob: appClientSecret is empty')
  return post(endpoint(restApiUrl, '/openapi/rm/app/token'), {}, { appClientId, appClientSecret })
}

/** Step 2: the user token request, authorised with the app token; no `expiresIn`: Easemob's default. */
function userTokenRequest (restApiUrl, appToken, username, clientId, expiresIn) {
  required(appToken, 'easemob: app token is empty')
  required(username, 'easemob: username is empty')
  checkClientId(clientId)
  // A header value cannot carry control characters (request splitting).
  if (/[\u0000-\u001f\u007f]/.test(appToken)) throw new Error('easemob: app token has control characters') // eslint-disable-line no-control-regex
  const url = endpoint(restApiUrl, '/openapi/rm/user/token')
  const body = { username }
  if (expiresIn != null) {
    if (!Number.isInteger(expiresIn) || expiresIn < 0 || expiresIn > 0xffffffff) throw new Error('easemob: expiresIn must be a whole number of seconds')
    body.expires_in = expiresIn
  }
  body.cid = clientId
  // Easemob wants the bare token, no "Bearer " prefix.
  return post(url, { Authorization: appToken }, body)
}

/**
 * The token (`body.access_token`) of a step 1 or step 2 response.
 * @param {number} status  the HTTP status
 * @param {*} data  the body: text, or what the platform already parsed from JSON
 */
function parseTokenResponse (status, data) {
  if (!(status >= 200 && status < 300)) throw new Error('easemob: token request failed (HTTP status is not 2xx)')
  let doc = data
  if (typeof data === 'string') {
    try {
      doc = JSON.parse(data)
    } catch (e) {
      doc = undefined // JSON.parse's message quotes the body
    }
  }
  if (doc == null) throw new Error('easemob: token response is not JSON')
  const token = doc.body != null ? doc.body.access_token : undefined
  if (typeof token !== 'string' || token === '') throw new Error('easemob: token response has no body.access_token')
  return token
}

/**
 * The credentials provider for the `easemob` option.
 * @param {object} cfg  {restApiUrl, appClientId, appClientSecret, deviceId, appId, clientId, username, expiresIn, userToken}
 * @param {() => object} platform  the selected platform (its `request`)
 */
function easemobProvider (cfg, platform) {
  const clientId = cfg.clientId || (cfg.deviceId + '@' + cfg.appId)
  return () => {
    let token
    if (typeof cfg.userToken === 'function') {
      token = Promise.resolve(cfg.userToken({ username: cfg.username, clientId }))
    } else {
      const ask = (req) => platform().request(req).then((res) => parseTokenResponse(res.status, res.data))
      token = Promise.resolve()
        .then(() => ask(appTokenRequest(cfg.restApiUrl, cfg.appClientId, cfg.appClientSecret)))
        .then((appToken) => ask(userTokenRequest(cfg.restApiUrl, appToken, cfg.username, clientId, cfg.expiresIn)))
    }
    return token.then((password) => {
      if (typeof password !== 'string' || !password) throw new Error('easemob: no user token')
      return { clientId, username: cfg.username, password }
    })
  }
}

module.exports = { easemobProvider, appTokenRequest, userTokenRequest, parseTokenResponse, checkClientId }
