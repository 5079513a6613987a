'use strict'
// Built-in cloud credentials and the credentials provider, end to end: the shipped bundles
// (dist/clouds/ with the signers, dist/ without; built by the test command before this runs)
// against an aedes broker that checks what the clouds check.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')

const { startAedes } = require('../../support/aedes')
const { aliyunVerifier } = require('../../support/aliyun')
const { startEasemob } = require('../../support/easemob')

const DIST = path.resolve(__dirname, '../../../dist/clouds/mqtt.min.js')
const CORE_DIST = path.resolve(__dirname, '../../../dist/mqtt.min.js')

function loadDist (file = DIST) {
  assert.ok(fs.existsSync(file), file + ' is missing: run scripts/build-wasm [--variant clouds] and scripts/bundle.js (scripts/test does)')
  return require(file)
}

const once = (emitter, name) => new Promise((resolve) => emitter.once(name, (...a) => resolve(a)))

test('aliyun option: signed with the method asked for, fresh on every reconnect', { timeout: 20000 }, async () => {
  const mqtt = loadDist()
  const verify = aliyunVerifier({ 'a1Pk/dev1': 'device-secret-1' })
  const logins = []
  const broker = await startAedes({
    authenticate: (client, username, password) => {
      logins.push({ clientId: client.id, username, password })
      return verify(client.id, username, password)
    }
  })
  try {
    const client = mqtt.connect(broker.url, {
      aliyun: { productKey: 'a1Pk', deviceName: 'dev1', deviceSecret: 'device-secret-1', signMethod: 'hmacsha256' },
      reconnectPeriod: 50
    })
    await once(client, 'connect')
    assert.match(logins[0].clientId, /^a1Pk\.dev1\|securemode=2,signmethod=hmacsha256,timestamp=\d+\|$/)
    assert.strictEqual(logins[0].username, 'dev1&a1Pk')
    assert.match(logins[0].password, /^[0-9a-f]{64}$/, 'sha256 → 64 hex digits')
    await new Promise((resolve) => setTimeout(resolve, 5)) // a new millisecond for the next timestamp
    // The broker drops the link; the reconnect must sign again with a new timestamp.
    for (const c of Object.values(broker.broker.clients)) c.conn.destroy()
    await once(client, 'connect')
    assert.strictEqual(logins.length, 2)
    assert.notStrictEqual(logins[1].clientId, logins[0].clientId, 'new timestamp on reconnect')
    assert.ok(verify(logins[1].clientId, logins[1].username, logins[1].password))
    await client.endAsync()
  } finally {
    await broker.stop()
  }
})

test('credentials provider: asked before every attempt; bad credentials refresh once, then error', { timeout: 20000 }, async () => {
  const mqtt = loadDist()
  let valid = 'token-2'
  const broker = await startAedes({ authenticate: (client, username, password) => password === valid })
  try {
    const asked = []
    const tokens = ['token-1', 'token-2', 'token-3', 'token-4']
    const client = mqtt.connect(broker.url, {
      clientId: 'provider-1',
      reconnectPeriod: 50,
      credentialsProvider: (cb, ctx) => {
        asked.push(ctx.attempt)
        return Promise.resolve({ username: 'u', password: tokens[asked.length - 1] })
      }
    })
    const errors = []
    client.on('error', (e) => errors.push(e))
    await once(client, 'connect')
    assert.deepStrictEqual(asked.length, 2, 'token-1 refused (not authorized) → exactly one refresh → token-2 accepted')
    assert.deepStrictEqual(errors, [], 'no error while the refresh succeeded')
    // Now every token is wrong: one refresh, then the refusal is reported and retrying stops.
    valid = 'nothing'
    for (const c of Object.values(broker.broker.clients)) c.conn.destroy()
    const [err] = await once(client, 'error')
    assert.strictEqual(asked.length, 4, 'reconnect asked once, the refusal asked exactly once more')
    assert.strictEqual(err.message, 'Connection refused: Not authorized')
    assert.strictEqual(err.code, 5)
    assert.ok(!err.message.includes('token-'), 'the secret is not in the error')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.strictEqual(asked.length, 4, 'no further attempts after the reported refusal')
    await client.endAsync(true)
  } finally {
    await broker.stop()
  }
})

test('easemob option: the two-step token flow over the platform request, token as password', { timeout: 20000 }, async () => {
  const mqtt = loadDist()
  const app = { appId: 'ab1cd2', appClientId: 'YXA6client', appClientSecret: 'YXA6secret' }
  const easemob = await startEasemob(app)
  const broker = await startAedes({ authenticate: (client, username, password) => easemob.checkMqttLogin(client.id, username, password) })
  try {
    // The fake REST API speaks http on loopback; the signer insists on https (mini-programs
    // refuse http), so the test's fetch maps the scheme back.
    const fetchLoopback = (url, init) => fetch(url.replace(/^https:/, 'http:'), init)
    const client = mqtt.connect(broker.url, {
      easemob: {
        restApiUrl: easemob.restApiUrl.replace(/^http:/, 'https:'),
        appClientId: app.appClientId,
        appClientSecret: app.appClientSecret,
        deviceId: 'device001',
        appId: app.appId,
        username: 'alice'
      },
      fetch: fetchLoopback
    })
    const [connack] = await once(client, 'connect')
    assert.strictEqual(connack.returnCode, 0)
    assert.strictEqual(client.options.clientId, 'device001@ab1cd2')
    await client.endAsync()
  } finally {
    await broker.stop()
    await easemob.stop()
  }
})

test('cloud signing refuses bad parameters with a clear error and no secret in it', { timeout: 20000 }, async () => {
  const mqtt = loadDist()
  const secret = crypto.randomBytes(8).toString('hex')
  const client = mqtt.connect('ws://127.0.0.1:9/', { aliyun: { productKey: '', deviceName: 'd', deviceSecret: secret }, reconnectPeriod: 0 })
  const [err] = await once(client, 'error')
  assert.match(err.message, /aliyun: productKey/)
  assert.ok(!err.message.includes(secret))
  await client.endAsync(true)
})

test('the core build (dist/) has no cloud options: each says where they are, Easemob\'s userToken flow too', { timeout: 20000 }, async () => {
  const mqtt = loadDist(CORE_DIST)
  let asked = 0
  const clouds = {
    aliyun: { productKey: 'p', deviceName: 'd', deviceSecret: 's' },
    easemob: { deviceId: 'd', appId: 'a', username: 'u', userToken: () => { asked++; return 'token' } }
  }
  for (const [name, cfg] of Object.entries(clouds)) {
    const client = mqtt.connect('ws://127.0.0.1:9/', { [name]: cfg, reconnectPeriod: 0 })
    const [err] = await once(client, 'error')
    assert.strictEqual(err.message, 'Credentials provider failed: ' + name + ': this build has no built-in cloud signing; use the files of dist/clouds/, or compute the credentials in a credentialsProvider')
    await client.endAsync(true)
  }
  assert.strictEqual(asked, 0, 'the page\'s token callback is not called by a build that cannot use it')
})

test('a credentials provider needs no signers: the core build connects with it', { timeout: 20000 }, async () => {
  const mqtt = loadDist(CORE_DIST)
  const broker = await startAedes({ authenticate: (client, username, password) => password === 'from-my-server' })
  try {
    const client = mqtt.connect(broker.url, { credentialsProvider: async () => ({ username: 'u', password: 'from-my-server' }) })
    const [connack] = await once(client, 'connect')
    assert.strictEqual(connack.returnCode, 0)
    await client.endAsync()
  } finally {
    await broker.stop()
  }
})
