'use strict';
/**
 * Picks the platform module for a client (docs/platform-interface.md). Everything
 * platform-specific lives in ./wx, ./my and ./websocket.
 */

const { createWxPlatform } = require('./wx');
const { createMyPlatform } = require('./my');
const { createWebSocketPlatform } = require('./websocket');

function hasConnectSocket(api) {
  return !!api && typeof api.connectSocket === 'function';
}

/**
 * `options.my` or a global `my` with connectSocket → Alipay; `options.wx` or a global `wx`
 * with connectSocket → WeChat; otherwise WebSocket (browser, or `ws` in Node).
 * @param {object} [options]  client options (my, wx, wasmPath, wasmBytes, WebSocket…)
 * @returns {object} a Platform
 */
function selectPlatform(options) {
  const opts = options || {};
  if (hasConnectSocket(opts.my)) return createMyPlatform(opts);
  if (hasConnectSocket(opts.wx)) return createWxPlatform(opts);
  if (typeof my !== 'undefined' && hasConnectSocket(my)) return createMyPlatform(opts);
  if (typeof wx !== 'undefined' && hasConnectSocket(wx)) return createWxPlatform(opts);
  return createWebSocketPlatform(opts);
}

module.exports = { selectPlatform };
