'use strict'
// Easemob's REST token flow (js-glue/client/easemob.js) with the vectors the Rust signer was
// held to (formerly tests/signing_vectors.rs; ../shared/notes/signing.md): request shapes,
// client id rules, token responses, and no secret in any error. The end-to-end flow against
// the fake Easemob server is in clouds.test.js.
const test = require('node:test')
const assert = require('node:assert')
const easemob = require('../../../js-glue/client/easemob')

const REST = 'https://api.cn1.mqtt.chat/app/1NQ1E9/'
const APP_SECRET = 'S3cr3t-app-client-secret'

const messageOf = (fn) => {
  try {
    fn()
  } catch (e) {
    assert.ok(e instanceof Error)
    return e.message
  }
  assert.fail('expected an error')
}

test('app token request: POST {restApiUrl}/openapi/rm/app/token with the app credentials as JSON', () => {
  const req = easemob.appTokenRequest(REST, 'YXA6abc', APP_SECRET)
  assert.strictEqual(req.url, 'https://api.cn1.mqtt.chat/app/1NQ1E9/openapi/rm/app/token')
  assert.strictEqual(req.method, 'POST')
  assert.deepStrictEqual(req.headers, { 'content-type': 'application/json' })
  assert.strictEqual(typeof req.data, 'string')
  assert.deepStrictEqual(JSON.parse(req.data), { appClientId: 'YXA6abc', appClientSecret: APP_SECRET })
  // JSON escaping keeps odd characters intact.
  assert.strictEqual(JSON.parse(easemob.appTokenRequest(REST, 'id"\\\n', 's').data).appClientId, 'id"\\\n')
})

test('user token request: the bare app token as Authorization, {username, expires_in, cid}', () => {
  const req = easemob.userTokenRequest('https://api.cn1.mqtt.chat/app/1NQ1E9', 'YWMtAPPTOKEN', 'alice', 'dev1@1NQ1E9', 86400)
  assert.strictEqual(req.url, 'https://api.cn1.mqtt.chat/app/1NQ1E9/openapi/rm/user/token')
  assert.strictEqual(req.method, 'POST')
  assert.deepStrictEqual(req.headers, { Authorization: 'YWMtAPPTOKEN', 'content-type': 'application/json' })
  assert.deepStrictEqual(JSON.parse(req.data), { username: 'alice', expires_in: 86400, cid: 'dev1@1NQ1E9' })
  for (const none of [undefined, null]) {
    assert.deepStrictEqual(JSON.parse(easemob.userTokenRequest(REST, 'tok', 'alice', 'dev1@1NQ1E9', none).data), { username: 'alice', cid: 'dev1@1NQ1E9' })
  }
  // expires_in at the edges of the u32 the REST API takes.
  for (const ok of [0, 1, 0xffffffff]) assert.strictEqual(JSON.parse(easemob.userTokenRequest(REST, 't', 'a', 'd@a', ok).data).expires_in, ok)
  for (const bad of [-1, 0x100000000, 1.5, '60', NaN]) {
    assert.strictEqual(messageOf(() => easemob.userTokenRequest(REST, 't', 'a', 'd@a', bad)), 'easemob: expiresIn must be a whole number of seconds')
  }
})

test('requests refuse bad input with a message naming it', () => {
  const user = (url, token, cid) => () => easemob.userTokenRequest(url, token, 'alice', cid)
  const cases = [
    [user('http://api.cn1.mqtt.chat/app/x', 't', 'd@a'), 'easemob: restApiUrl must start with https://'],
    [user('https://', 't', 'd@a'), 'easemob: restApiUrl must be an https URL without query or spaces'],
    [user('https://a b', 't', 'd@a'), 'easemob: restApiUrl must be an https URL without query or spaces'],
    [user('https://a/b?x=1', 't', 'd@a'), 'easemob: restApiUrl must be an https URL without query or spaces'],
    [user('https://a/b#x', 't', 'd@a'), 'easemob: restApiUrl must be an https URL without query or spaces'],
    [user('https://a/\u007f', 't', 'd@a'), 'easemob: restApiUrl must be an https URL without query or spaces'],
    [user('', 't', 'd@a'), 'easemob: restApiUrl is empty'],
    [user(REST, 't\r\nX-Evil: 1', 'd@a'), 'easemob: app token has control characters'],
    [user(REST, 't\u007f', 'd@a'), 'easemob: app token has control characters'],
    [user(REST, '', 'd@a'), 'easemob: app token is empty'],
    [user(REST, 't', 'no-at-sign'), 'easemob: clientId must be deviceId@appId'],
    [() => easemob.userTokenRequest(REST, 't', '', 'd@a'), 'easemob: username is empty'],
    [() => easemob.userTokenRequest(REST, 't', undefined, 'd@a'), 'easemob: username is empty'],
    [() => easemob.appTokenRequest(REST, 'id', ''), 'easemob: appClientSecret is empty'],
    [() => easemob.appTokenRequest(REST, undefined, 's'), 'easemob: appClientId is empty']
  ]
  for (const [fn, message] of cases) assert.strictEqual(messageOf(fn), message)
  // Non-ASCII hosts and paths are not refused (as before: only ASCII controls, spaces, ? and #).
  assert.strictEqual(easemob.appTokenRequest('https://例え.jp/app/ü', 'i', 's').url, 'https://例え.jp/app/ü/openapi/rm/app/token')
})

test('client id rules: deviceId@appId, both non-empty, one @, at most 64 bytes once encoded', () => {
  assert.strictEqual(easemob.checkClientId('dev1@1NQ1E9'), 'dev1@1NQ1E9')
  const app = '1NQ1E9'
  // A sweep across the limit, with one- and multi-byte device ids.
  for (const unit of ['d', 'é', '中', '😀']) {
    const bytes = Buffer.byteLength(unit)
    for (let n = 1; (n * bytes) + 1 + app.length <= 66; n++) {
      const id = unit.repeat(n) + '@' + app
      const fits = Buffer.byteLength(id) <= 64
      if (fits) assert.strictEqual(easemob.checkClientId(id), id)
      else assert.strictEqual(messageOf(() => easemob.checkClientId(id)), 'easemob: clientId (deviceId@appId) must be at most 64 characters', id)
    }
  }
  assert.strictEqual(easemob.checkClientId('d'.repeat(64 - 1 - app.length) + '@' + app).length, 64)
  const cases = [
    ['@' + app, 'easemob: deviceId is empty'],
    ['dev@', 'easemob: appId is empty'],
    ['a@b@' + app, "easemob: deviceId and appId must not contain '@'"],
    ['dev1', 'easemob: clientId must be deviceId@appId'],
    [undefined, 'easemob: clientId must be deviceId@appId']
  ]
  for (const [id, message] of cases) assert.strictEqual(messageOf(() => easemob.checkClientId(id)), message, String(id))
})

test('token responses: body.access_token of a 2xx JSON answer, text or already parsed', () => {
  const ok = '{"code":200,"body":{"access_token":"YWMt\\u002Fuser","expires_in":1700000000},"message":"Success"}'
  assert.strictEqual(easemob.parseTokenResponse(200, ok), 'YWMt/user')
  assert.strictEqual(easemob.parseTokenResponse(299, JSON.parse(ok)), 'YWMt/user')
  const cases = [
    [401, ok, 'easemob: token request failed (HTTP status is not 2xx)'],
    [199, ok, 'easemob: token request failed (HTTP status is not 2xx)'],
    [300, ok, 'easemob: token request failed (HTTP status is not 2xx)'],
    [undefined, ok, 'easemob: token request failed (HTTP status is not 2xx)'],
    [200, '<html>bad gateway</html>', 'easemob: token response is not JSON'],
    [200, '', 'easemob: token response is not JSON'],
    [200, undefined, 'easemob: token response is not JSON'],
    [200, '{"access_token":"top-level-only"}', 'easemob: token response has no body.access_token'],
    [200, '{"body":{"access_token":""}}', 'easemob: token response has no body.access_token'],
    [200, '{"body":{"access_token":42}}', 'easemob: token response has no body.access_token'],
    [200, '{"body":null}', 'easemob: token response has no body.access_token'],
    [200, '42', 'easemob: token response has no body.access_token']
  ]
  for (const [status, body, message] of cases) {
    const got = messageOf(() => easemob.parseTokenResponse(status, body))
    assert.strictEqual(got, message, String(body))
    assert.ok(!got.includes('top-level-only') && !got.includes('html'), 'the body is not quoted')
  }
})

test('secrets never appear in errors: not the app secret, not a token, not the body', () => {
  const body = JSON.stringify({ body: { error: 'bad appClientSecret ' + APP_SECRET } })
  assert.ok(!messageOf(() => easemob.parseTokenResponse(200, body)).includes(APP_SECRET))
  assert.ok(!messageOf(() => easemob.parseTokenResponse(401, body)).includes(APP_SECRET))
  assert.ok(!messageOf(() => easemob.parseTokenResponse(200, '{"x":"' + APP_SECRET)).includes(APP_SECRET), 'a JSON.parse message would quote it')
  assert.ok(!messageOf(() => easemob.appTokenRequest('http://h/' + APP_SECRET, 'id', APP_SECRET)).includes(APP_SECRET))
  assert.ok(!messageOf(() => easemob.userTokenRequest(REST, 'YWMt\n' + APP_SECRET, 'alice', 'd@a')).includes(APP_SECRET))
})

/** A platform whose request answers from `replies` in turn and records what it was asked. */
function stubPlatform (replies) {
  const asked = []
  return {
    asked,
    platform: () => ({
      request (req) {
        asked.push(req)
        return Promise.resolve(replies.shift())
      }
    })
  }
}

test('provider: app token, then user token with it; credentials are {clientId, username, password}', async () => {
  // wx.request hands back parsed JSON, fetch and my.request may give text: both work.
  const stub = stubPlatform([
    { status: 200, data: { body: { access_token: 'YWMtAPP' } } },
    { status: 200, data: '{"body":{"access_token":"YWMt/user"}}' }
  ])
  const provider = easemob.easemobProvider({ restApiUrl: REST, appClientId: 'YXA6abc', appClientSecret: APP_SECRET, deviceId: 'dev1', appId: '1NQ1E9', username: 'alice', expiresIn: 600 }, stub.platform)
  assert.deepStrictEqual(await provider(), { clientId: 'dev1@1NQ1E9', username: 'alice', password: 'YWMt/user' })
  assert.deepStrictEqual(stub.asked.map((r) => [r.url, r.headers.Authorization, JSON.parse(r.data)]), [
    ['https://api.cn1.mqtt.chat/app/1NQ1E9/openapi/rm/app/token', undefined, { appClientId: 'YXA6abc', appClientSecret: APP_SECRET }],
    ['https://api.cn1.mqtt.chat/app/1NQ1E9/openapi/rm/user/token', 'YWMtAPP', { username: 'alice', expires_in: 600, cid: 'dev1@1NQ1E9' }]
  ])
})

test('provider: a page userToken replaces both requests; an empty token is refused', async () => {
  const stub = stubPlatform([])
  const seen = []
  const cfg = { deviceId: 'dev1', appId: '1NQ1E9', username: 'alice', userToken: (ctx) => { seen.push(ctx); return Promise.resolve('YWMt/user') } }
  assert.deepStrictEqual(await easemob.easemobProvider(cfg, stub.platform)(), { clientId: 'dev1@1NQ1E9', username: 'alice', password: 'YWMt/user' })
  assert.deepStrictEqual(seen, [{ username: 'alice', clientId: 'dev1@1NQ1E9' }])
  assert.deepStrictEqual(stub.asked, [])
  for (const empty of ['', undefined, 42]) {
    await assert.rejects(easemob.easemobProvider(Object.assign({}, cfg, { userToken: () => empty }), stub.platform)(), /^Error: easemob: no user token$/)
  }
})

test('provider: a refused step fails with the step\'s error and never sends the secret further', async () => {
  const stub = stubPlatform([{ status: 401, data: { code: 401, msg: 'invalid appClientSecret ' + APP_SECRET } }])
  const provider = easemob.easemobProvider({ restApiUrl: REST, appClientId: 'YXA6abc', appClientSecret: APP_SECRET, deviceId: 'd', appId: 'a', username: 'u' }, stub.platform)
  const err = await provider().then(() => null, (e) => e)
  assert.strictEqual(err.message, 'easemob: token request failed (HTTP status is not 2xx)')
  assert.strictEqual(stub.asked.length, 1, 'no user token request after a refused app token request')
  // Bad parameters fail before anything is sent.
  const none = stubPlatform([])
  const bad = easemob.easemobProvider({ restApiUrl: 'http://h', appClientId: 'i', appClientSecret: APP_SECRET, deviceId: 'd', appId: 'a', username: 'u' }, none.platform)
  await assert.rejects(bad(), /^Error: easemob: restApiUrl must start with https:\/\/$/)
  assert.deepStrictEqual(none.asked, [])
})
