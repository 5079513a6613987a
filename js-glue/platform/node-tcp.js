'use strict';
/**
 * MQTT over TCP and TLS in Node (mqtt://, tcp://, mqtts://, ssl://, tls://) through `net` and
 * `tls`, as MQTT.js connects there. Only the universal build has it (js-glue/platform/index.js):
 * mini-programs cannot open TCP sockets, and their one-platform builds do not carry this file.
 */

const { socketLatch, failedSocket } = require('./common');
const { SCHEMES, DEFAULT_SCHEME } = require('../shared/schemes');

/** MQTT.js' TCP schemes → the scheme of the socket URL the client builds for them. */
const TCP_SCHEMES = { mqtt: 'mqtt', tcp: 'mqtt', mqtts: 'mqtts', ssl: 'mqtts', tls: 'mqtts' };

/** The scheme a client certificate makes secure, as MQTT.js switches it. */
const SECURE_SCHEME = { mqtt: 'mqtts', tcp: 'mqtts', ws: 'wss', wx: 'wxs', ali: 'alis' };

/** Top-level client options Node's `tls` takes as they are (for mqtts:// and, through `ws`, wss://). */
const TLS_OPTION_NAMES = ['ca', 'cert', 'key', 'passphrase', 'pfx', 'rejectUnauthorized', 'servername', 'ciphers', 'checkServerIdentity', 'ALPNProtocols'];

function isNode() {
  return typeof process !== 'undefined' && !!process.versions && !!process.versions.node;
}

/** The TLS options among the client's options. */
function tlsOptions(opts) {
  const out = {};
  for (const k of TLS_OPTION_NAMES) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}

/**
 * Lets the client's options name TCP schemes (client/url.js checks them against SCHEMES), and
 * makes `mqtt` the scheme of options without one in Node, as MQTT.js does.
 */
function acceptTcpSchemes() {
  Object.assign(SCHEMES, TCP_SCHEMES);
  if (isNode()) DEFAULT_SCHEME.protocol = 'mqtt';
}

/** MQTT.js: `cert` and `key` given → mqtt becomes mqtts, ws becomes wss (on the client's options). */
function secureSchemeForCertificate(opts) {
  if (opts.cert && opts.key && SECURE_SCHEME[opts.protocol]) opts.protocol = SECURE_SCHEME[opts.protocol];
}

/** host, port and whether TLS, from a socket URL `mqtt(s)://host[:port]/…`. */
function parseTcpUrl(url) {
  const m = /^(mqtts?):\/\/(\[[^\]]*\]|[^:/?]*)(?::(\d+))?/.exec(url);
  if (!m) throw new Error('mpmqtt: not an MQTT over TCP URL: ' + url);
  const secure = m[1] === 'mqtts';
  return { secure, host: m[2].replace(/^\[|\]$/g, '') || 'localhost', port: m[3] ? Number(m[3]) : secure ? 8883 : 1883 };
}

/**
 * Wraps a WebSocket platform so that mqtt(s):// socket URLs open a TCP or TLS socket.
 * @param {object} platform  from createWebSocketPlatform
 * @param {object} opts      client options (ca, cert, key, rejectUnauthorized… for TLS)
 */
function withTcp(platform, opts) {
  const openWebSocket = platform.openSocket;
  function openSocket(url, sockOpts, on) {
    if (!/^mqtts?:/.test(url)) return openWebSocket(url, sockOpts, on);
    const latch = socketLatch(on, () => {});
    let socket;
    let secure;
    try {
      if (!isNode()) {
        throw new Error('MQTT over TCP (' + url.split(':')[0] + '://) needs Node; browsers open WebSockets only: use the broker\'s wss:// URL');
      }
      const target = parseTcpUrl(url);
      secure = target.secure;
      const net = require('net');
      socket = secure
        ? require('tls').connect(Object.assign({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host }, tlsOptions(opts)))
        : net.connect({ host: target.host, port: target.port });
    } catch (err) {
      return failedSocket(latch, err);
    }
    socket.setNoDelay(true);
    socket.once(secure ? 'secureConnect' : 'connect', () => latch._open());
    socket.on('data', (buf) => latch._message(new Uint8Array(buf.buffer, buf.byteOffset, buf.length)));
    socket.on('error', (cause) => {
      const err = new Error((secure ? 'TLS' : 'TCP') + ' error: ' + cause.message);
      // ECONNREFUSED, a certificate's code…: kept for a socket that failed to open, as MQTT.js has them.
      if (latch._state === 'connecting' && typeof cause.code === 'string') err.code = cause.code;
      if (latch._fail(err)) socket.destroy();
    });
    socket.on('close', () => latch._close(0, ''));
    return {
      send(bytes) {
        // A copy: `bytes` may be a view of the core's memory, reused before the write completes.
        if (latch._state === 'open') socket.write(Buffer.from(bytes));
      },
      close() {
        if (!latch._live) return;
        latch._closing(1000, '');
        socket.end();
      },
    };
  }
  return Object.assign({}, platform, { openSocket });
}

module.exports = { TCP_SCHEMES, acceptTcpSchemes, secureSchemeForCertificate, withTcp, tlsOptions, isNode };
