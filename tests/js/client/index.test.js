'use strict'
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const mqtt = require('../../../js-glue/index')

test('exports MQTT.js shape: callable connect with connect/MqttClient/Client/Store/connectAsync', () => {
  assert.strictEqual(typeof mqtt, 'function')
  assert.strictEqual(mqtt.connect, mqtt)
  assert.strictEqual(mqtt.default, mqtt)
  assert.strictEqual(mqtt.Client, mqtt.MqttClient)
  assert.strictEqual(typeof mqtt.connectAsync, 'function')
  assert.strictEqual(mqtt.ReasonCodes[135], 'Not authorized')
  const e = new mqtt.ErrorWithReasonCode('Connection refused: Not authorized', 5)
  assert.ok(e instanceof Error && e instanceof mqtt.ErrorWithReasonCode)
  assert.strictEqual(e.code, 5)
  assert.strictEqual(e.name, 'ErrorWithReasonCode')
})

test('connect() throws at once for unknown schemes and unclean clients without id', () => {
  // TCP URLs are accepted by the universal build (Node's net/tls); the mini-program builds
  // refuse them: tests/js/client/url-options.test.js and tests/js/emulation.
  assert.throws(() => mqtt.connect('http://broker.test'), /Unknown protocol "http"/)
  assert.throws(() => mqtt('wss://broker.test/mqtt', { clean: false }), /Missing clientId/)
})

test('connect() adds a no-op error listener, so a failure to load does not throw', async () => {
  const client = mqtt.connect('wss://127.0.0.1:9/mqtt', { manualConnect: true })
  assert.strictEqual(client.listenerCount('error'), 1)
  assert.strictEqual(client.options.protocol, 'wss')
  await new Promise((resolve) => client.end(true, resolve))
  assert.strictEqual(client.disconnected, true)
})

test('Store keeps packets by messageId and streams them', async () => {
  const store = new mqtt.Store()
  store.put({ messageId: 1, cmd: 'publish' })
  store.put({ messageId: 2, cmd: 'publish' })
  const got = []
  store.get({ messageId: 1 }, (err, p) => got.push([err, p.messageId]))
  store.del({ messageId: 1 }, (err, p) => got.push([err, p.messageId]))
  store.get({ messageId: 1 }, (err) => got.push(err.message))
  assert.deepStrictEqual(got, [[null, 1], [null, 1], 'missing packet'])
  const streamed = []
  await new Promise((resolve) => store.createStream().on('data', (p) => streamed.push(p.messageId)).on('end', resolve))
  assert.deepStrictEqual(streamed, [2])
  store.close()
})

// Mini-programs lack these; shipped glue must not name them (Buffer only behind typeof).
test('shipped client code uses no API missing from mini-programs', () => {
  const dir = path.resolve(__dirname, '../../../js-glue')
  const files = ['index.js'].concat(fs.readdirSync(path.join(dir, 'client')).map((f) => 'client/' + f))
  const banned = /\b(TextEncoder|TextDecoder|AbortController|globalThis|queueMicrotask|BigInt|URL|eval|Function\s*\(|import\.meta|fetch|setImmediate|process)\b/
  for (const f of files) {
    const code = fs.readFileSync(path.join(dir, f), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
      .replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
    const m = banned.exec(code)
    assert.strictEqual(m, null, f + ' uses ' + (m && m[0]))
    code.split('\n').forEach((line) => {
      if (/\bBuffer\b/.test(line)) assert.match(line, /typeof Buffer/, f + ': unguarded Buffer in: ' + line.trim())
    })
    assert.doesNotMatch(code, /\?\.|\?\?|\.\.\.\w+\s*[},]/, f + ' uses syntax newer than ES2017')
  }
})
