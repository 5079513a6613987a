'use strict'
/**
 * WeChat's synchronous storage as mqtt-store.js uses it: `wx.getStorageSync(key)` returns the
 * value ('' when there is none), `wx.setStorageSync(key, data)` throws when it fails.
 * Type-checked against miniprogram-api-typings (tests/platform-types).
 * @param {PlatformApi.Api} wx
 */
function wxStorage (wx) {
  return {
    /** @param {string} key */
    get: (key) => wx.getStorageSync(key),
    /** @param {string} key @param {string} text */
    set: (key, text) => wx.setStorageSync(key, text)
  }
}

module.exports = wxStorage
