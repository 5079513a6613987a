'use strict';
/**
 * Picks the platform module for a client (docs/platform-interface.md). Everything
 * platform-specific lives in ./wx, ./my, ./dd, ./runtimes (+ ./socket-task) and ./websocket.
 */

const { createWxPlatform } = require('./wx');
const { createMyPlatform } = require('./my');
const { createDdPlatform } = require('./dd');
const { RUNTIME_NAMES, createRuntimePlatform, createCustomPlatform, runtimeFromGlobals, hasConnectSocket } = require('./runtimes');
const { createWebSocketPlatform } = require('./websocket');
const { acceptTcpSchemes, secureSchemeForCertificate, withTcp } = require('./node-tcp');

// Node opens mqtt://, mqtts://… (MQTT.js' TCP schemes) in this build only.
acceptTcpSchemes();

/**
 * In this order: an explicit `connectSocket` function; an API object passed as an option
 * (my, dd, tt, qq, swan, ks, wx, uni); the URL scheme (wxs/wx → the global wx, alis/ali → the
 * global my); the global that is present, each runtime's own before the `wx`/`my` aliases
 * some of them also define (QQ has `wx`, DingTalk `my`); `uni` only where there is no
 * WebSocket; otherwise WebSocket (browser, or `ws` in Node).
 * @param {object} [options]  client options (connectSocket, my, wx, tt…, protocol, wasmPath, WebSocket…)
 * @returns {object} a Platform
 */
function selectPlatform(options) {
  const opts = options || {};
  refuseAuthDataWithoutMethod(opts.properties);
  secureSchemeForCertificate(opts);
  if (typeof opts.connectSocket === 'function') return createCustomPlatform(opts);
  if (hasConnectSocket(opts.my)) return createMyPlatform(opts);
  if (hasConnectSocket(opts.dd)) return createDdPlatform(opts);
  const given = RUNTIME_NAMES.filter((n) => hasConnectSocket(opts[n]))[0];
  if (given) return createRuntimePlatform(given, opts);
  if (hasConnectSocket(opts.wx)) return createWxPlatform(opts);
  if (hasConnectSocket(opts.uni)) return createRuntimePlatform('uni', opts);
  const scheme = String(opts.protocol || '').toLowerCase();
  const wxGlobal = typeof wx !== 'undefined' && hasConnectSocket(wx);
  const myGlobal = typeof my !== 'undefined' && hasConnectSocket(my);
  if ((scheme === 'wxs' || scheme === 'wx') && wxGlobal) return createWxPlatform(opts);
  if ((scheme === 'alis' || scheme === 'ali') && myGlobal) return createMyPlatform(opts);
  if (typeof dd !== 'undefined' && hasConnectSocket(dd)) return createDdPlatform(opts);
  const found = runtimeFromGlobals(RUNTIME_NAMES);
  if (found) return createRuntimePlatform(found, opts);
  if (myGlobal) return createMyPlatform(opts);
  if (wxGlobal) return createWxPlatform(opts);
  if (typeof WebSocket === 'undefined' && runtimeFromGlobals(['uni'])) return createRuntimePlatform('uni', opts);
  return withTcp(createWebSocketPlatform(opts), opts);
}

/**
 * MQTT.js refuses AUTH data without an AUTH method with this message: it ends the client,
 * then emits 'error' (end()'s callback), so the client reports `disconnected` there; the
 * `endsClient` mark asks the client for the same (mqtt-client.js `_onLoadError`). A check of
 * the universal build only; the one-platform builds leave it to the broker, which refuses
 * such a CONNECT (docs/compat.md).
 */
function refuseAuthDataWithoutMethod(props) {
  if (!(props && props.authenticationData && !props.authenticationMethod)) return;
  const err = new Error('Packet has no Authentication Method');
  Object.defineProperty(err, 'endsClient', { value: true }); // not enumerable: MQTT.js' error has no such field
  throw err;
}

module.exports = { selectPlatform };
