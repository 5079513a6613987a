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
  return createWebSocketPlatform(opts);
}

module.exports = { selectPlatform };
