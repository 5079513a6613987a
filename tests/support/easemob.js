'use strict';
/**
 * A fake Easemob MQTT REST server on 127.0.0.1 with the two token endpoints the Easemob
 * mini-program guide uses (seed 000):
 *
 *   POST {restApiUrl}/openapi/rm/app/token   {appClientId, appClientSecret}
 *        -> {code: 200, body: {access_token, expires_in}}
 *   POST {restApiUrl}/openapi/rm/user/token  header Authorization: <app token> (raw)
 *        {username, expires_in, cid} -> {code: 200, body: {access_token, expires_in}}
 *
 * restApiUrl is http://127.0.0.1:PORT/app/{appId}. The user token is the MQTT password for
 * `username` connecting with client id `cid`; `checkMqttLogin` lets a broker verify it.
 */
const http = require('http');
const crypto = require('crypto');

/**
 * @param {object} opts {appId, appClientId, appClientSecret}
 * @returns {Promise<{restApiUrl: string, port: number, requests: object[],
 *   checkMqttLogin: (clientId: string, username: string, password: string) => boolean, stop: () => Promise<void>}>}
 */
async function startEasemob({ appId, appClientId, appClientSecret }) {
  const appTokens = new Set();
  const userTokens = new Map(); // token -> {username, cid, expiresAt}
  const requests = [];
  const base = `/app/${appId}/openapi/rm`;

  const reply = (res, status, obj) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(obj));
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = {};
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        body = /json/i.test(req.headers['content-type'] || '') ? JSON.parse(text || '{}') : Object.fromEntries(new URLSearchParams(text));
      } catch (e) {
        return reply(res, 400, { code: 400, msg: 'bad request body' });
      }
      requests.push({ method: req.method, path: req.url, contentType: req.headers['content-type'], hasAuthorization: !!req.headers.authorization });
      if (req.method !== 'POST') return reply(res, 405, { code: 405, msg: 'method not allowed' });
      if (req.url === `${base}/app/token`) {
        if (body.appClientId !== appClientId || body.appClientSecret !== appClientSecret) {
          return reply(res, 401, { code: 401, msg: 'invalid appClientId or appClientSecret' });
        }
        const token = 'YWMt' + crypto.randomBytes(24).toString('base64url');
        appTokens.add(token);
        return reply(res, 200, { code: 200, body: { access_token: token, expires_in: 86400 } });
      }
      if (req.url === `${base}/user/token`) {
        if (!appTokens.has(req.headers.authorization)) return reply(res, 401, { code: 401, msg: 'invalid app token' });
        if (typeof body.username !== 'string' || body.username === '' || body.username.length > 64) {
          return reply(res, 400, { code: 400, msg: 'invalid username' });
        }
        const expiresIn = Number(body.expires_in) || 259200;
        const token = 'YWMt' + crypto.randomBytes(24).toString('base64url');
        userTokens.set(token, { username: body.username, cid: body.cid, expiresAt: Date.now() + expiresIn * 1000 });
        return reply(res, 200, { code: 200, body: { access_token: token, expires_in: expiresIn } });
      }
      reply(res, 404, { code: 404, msg: 'not found' });
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    port,
    restApiUrl: `http://127.0.0.1:${port}/app/${appId}`,
    requests,
    checkMqttLogin(clientId, username, password) {
      const t = userTokens.get(password);
      if (!t || t.username !== username || t.expiresAt < Date.now()) return false;
      if (t.cid !== undefined && t.cid !== clientId) return false;
      return typeof clientId === 'string' && clientId.endsWith('@' + appId);
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startEasemob };
