'use strict'
/**
 * Alipay's synchronous storage as mqtt-store.js uses it: `my.getStorageSync({key})` returns
 * `{data}`, `my.setStorageSync({key, data})` returns `{success, errorMessage}` instead of
 * throwing, so a failed write is turned into an error here. Type-checked against
 * @mini-types/my (tests/platform-types).
 * @param {PlatformApi.Api} my
 */
function myStorage (my) {
  return {
    /** @param {string} key */
    get: (key) => (my.getStorageSync({ key }) || { data: null }).data,
    /** @param {string} key @param {string} text */
    set: (key, text) => {
      const r = my.setStorageSync({ key, data: text })
      if (r && r.success === false) throw new Error('my.setStorageSync failed: ' + (r.errorMessage || r.error))
    }
  }
}

module.exports = myStorage
