'use strict'
// Broker URL handling without `URL` (mini-programs lack it).

const { SCHEMES: WS_SCHEMES } = require('../shared/schemes')
const TCP_SCHEMES = ['mqtt', 'tcp', 'mqtts', 'ssl', 'tls']

function decodeComponent (s) {
  try {
    return decodeURIComponent(s)
  } catch (e) {
    return s // malformed escapes are kept verbatim, like url.parse
  }
}

/**
 * Splits `scheme://user:pass@host:port/path?query#hash` into the fields
 * MQTT.js' url.parse gave: protocol, hostname, port, path (with the query
 * string), query (object), auth (decoded).
 * @param {string} brokerUrl
 */
function parseUrl (brokerUrl) {
  let rest = String(brokerUrl).trim()
  const out = {}
  // Without a scheme there is no protocol, which options.mergeUrl refuses as MQTT.js does.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(rest)
  if (scheme) {
    out.protocol = scheme[1].toLowerCase()
    rest = rest.slice(scheme[0].length)
  }
  const hash = rest.indexOf('#')
  if (hash >= 0) rest = rest.slice(0, hash)
  let end = rest.search(/[/?]/)
  if (end < 0) end = rest.length
  let authority = rest.slice(0, end)
  let path = rest.slice(end)
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    out.auth = decodeComponent(authority.slice(0, at))
    authority = authority.slice(at + 1)
  }
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority)
  if (!hostPort) throw new Error('Invalid host in broker URL')
  out.hostname = hostPort[1].replace(/^\[|\]$/g, '').toLowerCase()
  if (hostPort[2]) out.port = Number(hostPort[2])
  if (path.charAt(0) === '?') path = '/' + path
  out.path = path || '/'
  out.query = parseQuery(path.indexOf('?') >= 0 ? path.slice(path.indexOf('?') + 1) : '')
  return out
}

function parseQuery (qs) {
  const query = {}
  if (!qs) return query
  qs.split('&').forEach((pair) => {
    if (!pair) return
    const eq = pair.indexOf('=')
    const key = decodeComponent((eq >= 0 ? pair.slice(0, eq) : pair).replace(/\+/g, ' '))
    const value = eq >= 0 ? decodeComponent(pair.slice(eq + 1).replace(/\+/g, ' ')) : ''
    if (Object.prototype.hasOwnProperty.call(query, key)) {
      query[key] = [].concat(query[key], value)
    } else {
      query[key] = value
    }
  })
  return query
}

/**
 * The WebSocket scheme for an MQTT.js protocol name; throws a clear error for
 * anything this WebSocket-only client cannot speak.
 * @param {string} protocol
 */
function wsScheme (protocol) {
  const p = String(protocol).replace(/:$/, '').toLowerCase()
  if (WS_SCHEMES[p]) return WS_SCHEMES[p] // also mqtt/mqtts in the universal build (node-tcp.js)
  if (TCP_SCHEMES.indexOf(p) >= 0) {
    throw new Error('Protocol "' + p + '" is MQTT over TCP, which mini-programs cannot open; this client speaks ' +
      'MQTT over WebSocket only: use the broker\'s wss://host:port/path (often port 8084 or 443, path /mqtt)')
  }
  throw new Error('Unknown protocol "' + p + '": use wss, ws, wxs, wx, alis or ali')
}

/**
 * The socket URL: default ports are dropped (443 for wss, 80 for ws) and the
 * path (with its query string) is kept for every scheme.
 */
function buildUrl (protocol, hostname, port, path) {
  const scheme = wsScheme(protocol)
  let host = String(hostname || 'localhost')
  if (host.indexOf(':') >= 0 && host.charAt(0) !== '[') host = '[' + host + ']'
  const p = port === undefined || port === null || port === '' ? NaN : Number(port)
  const defaultPort = scheme === 'wss' ? 443 : 80
  const portPart = isNaN(p) || p === defaultPort ? '' : ':' + p
  let tail = path === undefined || path === null || path === '' ? '/' : String(path)
  if (tail.charAt(0) !== '/') tail = '/' + tail
  return scheme + '://' + host + portPart + tail
}

/** The URL of the client's next connection attempt: `servers` in turn, then transformWsUrl. */
function nextUrl (client) {
  const o = client.options
  let protocol = o.protocol
  let hostname = o.hostname
  let port = o.port
  if (o.servers) {
    const server = o.servers[client._serverIndex % o.servers.length]
    client._serverIndex++
    hostname = server.host || server.hostname
    port = server.port
    protocol = server.protocol || o.protocol
  }
  const built = buildUrl(protocol, hostname, port, o.path)
  return o.transformWsUrl ? o.transformWsUrl(built, o, client) : built
}

module.exports = { parseUrl, parseQuery, wsScheme, buildUrl, nextUrl }
