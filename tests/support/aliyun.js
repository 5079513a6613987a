'use strict';
/**
 * Broker-side check of Aliyun IoT MQTT credentials (docs: "MQTT-TCP连接通信" sign rules):
 *   clientId = id|securemode=2,signmethod=hmacsha1,timestamp=TS|
 *   username = deviceName&productKey
 *   password = hex(HMAC_signmethod(deviceSecret, sorted "clientId..deviceName..productKey..timestamp.."))
 * `clientId` and `timestamp` take part in the content only when present in the client id.
 */
const crypto = require('crypto');

const ALGOS = { hmacsha1: 'sha1', hmacsha256: 'sha256', hmacmd5: 'md5' };

/**
 * @param {{[productKeyAndName: string]: string}} devices  "productKey/deviceName" -> deviceSecret
 * @returns {(clientId: string, username: string, password: string) => boolean}
 */
function aliyunVerifier(devices) {
  return (clientId, username, password) => {
    const m = /^([^|]*)\|([^|]*)\|$/.exec(String(clientId || ''));
    const u = /^([^&]+)&([^&]+)$/.exec(String(username || ''));
    if (!m || !u || typeof password !== 'string') return false;
    const params = {};
    for (const kv of m[2].split(',')) {
      const i = kv.indexOf('=');
      if (i > 0) params[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const algo = ALGOS[String(params.signmethod || '').toLowerCase()];
    if (!algo || !['2', '3'].includes(params.securemode)) return false;
    const [, deviceName, productKey] = u;
    const secret = devices[`${productKey}/${deviceName}`];
    if (secret === undefined) return false;
    const fields = { deviceName, productKey };
    if (m[1] !== '') fields.clientId = m[1];
    if (params.timestamp !== undefined) fields.timestamp = params.timestamp;
    const content = Object.keys(fields).sort().map((k) => k + fields[k]).join('');
    const expected = crypto.createHmac(algo, secret).update(content).digest('hex');
    const given = password.toLowerCase();
    return given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  };
}

module.exports = { aliyunVerifier };
