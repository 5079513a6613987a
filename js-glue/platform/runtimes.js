'use strict';
/**
 * The mini-program runtimes with a WeChat-like SocketTask API, each with what its own
 * documentation says (docs/platforms.md "Other mini-program runtimes" has the sources), and
 * the `connectSocket` a page passes in for anything else (Taro's returns a Promise of a task).
 */

const { createSocketTaskPlatform } = require('./socket-task');
const { MINIPROGRAM_SOCKET_LIMIT } = require('./common');

/**
 * name → [label, the global (free identifiers: no globalThis in these engines), sockets open
 * at once, wsOptions taken as they are]. PlatformApi.WsOptionKey: the keys of the runtime's
 * connectSocket option in its official typings (tests/platform-types/check.js), where it has any.
 */
const RUNTIMES = {
  // ByteDance: Douyin, Toutiao and Feishu (Feishu documents at most 5 sockets).
  tt: ['ByteDance', () => (typeof tt !== 'undefined' ? tt : undefined), MINIPROGRAM_SOCKET_LIMIT, /** @satisfies {Array<PlatformApi.WsOptionKey<'tt'>>} */ (['timeout'])],
  qq: ['QQ', () => (typeof qq !== 'undefined' ? qq : undefined), MINIPROGRAM_SOCKET_LIMIT, ['timeout', 'tcpNoDelay', 'perMessageDeflate']],
  // Several sockets from base library 1.9.4 on; no number documented, WeChat's is assumed.
  swan: ['Baidu', () => (typeof swan !== 'undefined' ? swan : undefined), MINIPROGRAM_SOCKET_LIMIT, []],
  ks: ['Kuaishou', () => (typeof ks !== 'undefined' ? ks : undefined), MINIPROGRAM_SOCKET_LIMIT, []],
  // uni-app's App and H5 runtimes; its mini-program builds have the platform's own global.
  uni: ['uni-app', () => (typeof uni !== 'undefined' ? uni : undefined), 0, /** @satisfies {Array<PlatformApi.WsOptionKey<'uni'>>} */ ([])],
};

/** Names in the order a global is preferred: each runtime's own before the aliases it may also define. */
const RUNTIME_NAMES = ['tt', 'qq', 'swan', 'ks'];

function hasConnectSocket(api) {
  return !!api && typeof api.connectSocket === 'function';
}

/**
 * @param {string} name     a key of RUNTIMES
 * @param {object} options  client options; options[name] is the API object (default the global)
 */
function createRuntimePlatform(name, options) {
  const opts = options || {};
  const [label, global, socketLimit, wsOptions] = RUNTIMES[name];
  const api = opts[name] || global();
  if (!hasConnectSocket(api)) {
    throw new Error('mpmqtt: the ' + label + ' platform needs the ' + name + ' API (' + name + '.connectSocket); pass it as the ' + name + ' option');
  }
  const fn = name + '.connectSocket';
  return createSocketTaskPlatform({ name, label, fn, api, connectSocket: (req) => api.connectSocket(req), socketLimit, wsOptions }, opts);
}

/**
 * A platform over `options.connectSocket` (any runtime with a WeChat-like SocketTask, or
 * Taro.connectSocket): no lifecycle events and no request API unless `options.api` has them.
 */
function createCustomPlatform(options) {
  const opts = options || {};
  if (typeof opts.connectSocket !== 'function') throw new Error('mpmqtt: the connectSocket option must be a function');
  return createSocketTaskPlatform({ name: 'custom', label: 'the connectSocket option', fn: 'connectSocket', api: opts.api, connectSocket: opts.connectSocket }, opts);
}

/** The first runtime whose global has connectSocket, or undefined. */
function runtimeFromGlobals(names) {
  return names.filter((n) => hasConnectSocket(RUNTIMES[n][1]()))[0];
}

module.exports = { RUNTIMES, RUNTIME_NAMES, createRuntimePlatform, createCustomPlatform, runtimeFromGlobals, hasConnectSocket };
