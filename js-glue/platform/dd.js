'use strict';
/**
 * DingTalk: an Alipay-family runtime. `dd.connectSocket` has the same shape as Alipay's legacy
 * single-socket API (global dd.onSocketOpen/onSocketMessage…, dd.sendSocketMessage with binary
 * frames as base64 and `isBuffer: true`), so the Alipay platform runs over the `dd` object.
 */

const { createMyPlatform } = require('./my');

/** @param {object} options  client options; `dd` is the API object (default the global) */
function createDdPlatform(options) {
  const opts = options || {};
  const api = opts.dd || (typeof dd !== 'undefined' ? dd : undefined);
  if (!api || typeof api.connectSocket !== 'function') {
    throw new Error('mpmqtt: the DingTalk platform needs the dd API (dd.connectSocket); pass it as the dd option');
  }
  const platform = createMyPlatform(Object.assign({}, opts, { my: api }));
  platform.name = 'dd';
  return platform;
}

module.exports = { createDdPlatform };
