'use strict'
/**
 * Built-in credentials providers for the clouds mini-programs use. A cloud option is just a
 * credentials provider: it runs before every connection attempt, so timestamps, signatures
 * and tokens are fresh on each reconnect (the signing itself is Rust, src/signing; Easemob's
 * token flow, which signs nothing, is ./easemob.js).
 *
 *   mqtt.connect(url, { aliyun: { productKey, deviceName, deviceSecret, signMethod } })
 *   mqtt.connect(url, { tencent: { productId, deviceName, devicePsk } })
 *   mqtt.connect(url, { huawei: { deviceId, secret } })
 *   mqtt.connect(url, { onenet: { productId, deviceName, key } })
 *   mqtt.connect(url, { easemob: { restApiUrl, deviceId, appId, username, userToken } })
 */

// False in a bundle whose core has no signers: the signing paths are left out.
const { CLOUD_SIGNING: SIGNING } = require('../build-flags')
const { loadedBindings } = require('../core-loader')
const { easemobProvider } = require('./easemob')

const CLOUDS = ['aliyun', 'tencent', 'huawei', 'onenet', 'easemob']

/** The cloud option the page set, if any (at most one may be set). */
function cloudOf (o) {
  const set = CLOUDS.filter((name) => o[name] != null)
  if (set.length > 1) throw new Error('Set at most one of ' + CLOUDS.join(', ') + ' (got ' + set.join(' and ') + ')')
  if (set.length === 1 && typeof o[set[0]] !== 'object') throw new TypeError(set[0] + ' must be an object')
  return set[0]
}

function noSigning (name) {
  return new Error(name + ': this build has no built-in cloud signing; use the files of dist/clouds/, ' +
    'or compute the credentials in a credentialsProvider')
}

/** The loaded core's signing functions, or a clear error when this build left them out. */
function signing (name) {
  const b = loadedBindings()
  if (!b || typeof b.cloud_credentials !== 'function') throw noSigning(name)
  return b
}

/**
 * @param {object} o normalised options
 * @param {() => object} platform the selected platform (request, randomBytes)
 * @returns {Function|null} a credentials provider, or null when no cloud option is set
 */
function providerFor (o, platform) {
  const name = cloudOf(o)
  if (!name) return null
  // The core build leaves every cloud path out, Easemob's userToken flow too (README: cloud
  // options need dist/clouds/); the page still hears why, as an 'error' at connect.
  if (!SIGNING) {
    return () => {
      throw noSigning(name)
    }
  }
  const cfg = o[name]
  if (name === 'easemob') return easemobProvider(cfg, platform)
  return (done) => {
    done(null, signing(name).cloud_credentials(name, cfg, Date.now(), platform().randomBytes(5)))
  }
}

module.exports = { providerFor, cloudOf, CLOUDS }
