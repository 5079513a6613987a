'use strict'
// The glue with the real wasm core (bundled as shipped) against an aedes broker over ws.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')
const http = require('http')
const { execFileSync } = require('child_process')

const ROOT = path.resolve(__dirname, '../../..')
const haveWasm = fs.existsSync(path.join(ROOT, 'build/wasm/mpmqtt_bg.js'))
const skip = haveWasm ? false : 'build/wasm is missing: run scripts/build-wasm first'

let mqtt
let outDir

function loadBundle () {
  if (mqtt) return mqtt
  // Inside the repository so the bundle's runtime require('ws') resolves.
  fs.mkdirSync(path.join(ROOT, 'build'), { recursive: true })
  outDir = fs.mkdtempSync(path.join(ROOT, 'build', 'client-test-'))
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/bundle.js'), '--out-dir', outDir], { stdio: 'pipe' })
  mqtt = require(path.join(outDir, 'mqtt.min.js'))
  return mqtt
}

async function startBroker () {
  const { Aedes } = require('aedes')
  const { WebSocketServer, createWebSocketStream } = require('ws')
  const broker = await Aedes.createBroker()
  const server = http.createServer()
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws) => broker.handle(createWebSocketStream(ws)))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: 'ws://127.0.0.1:' + server.address().port + '/mqtt',
    close: () => new Promise((resolve) => {
      wss.clients.forEach((c) => c.terminate())
      server.close(() => broker.close(resolve))
    })
  }
}

/**
 * Timers armed from the bundle (mqtt.min.js) that have neither fired nor been cleared: the
 * client must leave none behind after end(), whatever its private fields are called.
 */
function bundleTimers () {
  const live = new Set()
  const { setTimeout: set, clearTimeout: clear } = global
  global.setTimeout = function (fn, ms, ...rest) {
    // The caller's frame, not deeper ones: ws arms its own timers when the bundle calls it.
    const fromBundle = String(new Error().stack).split('\n')[2].includes(path.join(outDir, 'mqtt.min.js'))
    const t = set(function () {
      live.delete(t)
      return fn.apply(this, arguments)
    }, ms, ...rest)
    if (fromBundle) live.add(t)
    return t
  }
  global.clearTimeout = function (t) {
    live.delete(t)
    return clear(t)
  }
  return {
    /** Resolves with the count left once none is left or `ms` passed. */
    settled: async (ms) => {
      for (const end = Date.now() + ms; live.size && Date.now() < end;) await new Promise((resolve) => set(resolve, 20))
      return live.size
    },
    restore () {
      global.setTimeout = set
      global.clearTimeout = clear
    }
  }
}

const once = (emitter, name) => new Promise((resolve) => emitter.once(name, (...a) => resolve(a)))

test('real core: connect, subscribe, publish QoS 0/1/2, message, unsubscribe, end', { skip }, async () => {
  const m = loadBundle()
  assert.strictEqual(typeof m, 'function')
  assert.strictEqual(m.connect, m)
  const broker = await startBroker()
  const timers = bundleTimers()
  try {
    const client = m.connect(broker.url, { clientId: 'real-1', keepalive: 30 })
    const [connack] = await once(client, 'connect')
    assert.strictEqual(connack.returnCode, 0)
    assert.strictEqual(client.connected, true)
    const granted = await client.subscribeAsync({ 'a/+': { qos: 2 } })
    assert.deepStrictEqual(granted, [{ topic: 'a/+', qos: 2 }])
    const messages = []
    const got3 = new Promise((resolve) => client.on('message', (topic, payload, packet) => {
      messages.push([topic, payload.toString(), packet.qos])
      if (messages.length === 3) resolve()
    }))
    const results = await Promise.all([
      client.publishAsync('a/0', 'zero'),
      client.publishAsync('a/1', 'héllo 😀', { qos: 1 }),
      client.publishAsync('a/2', Uint8Array.from([0x32]), { qos: 2 })
    ])
    assert.strictEqual(results[0], undefined)
    assert.ok(results[1].messageId > 0 && results[2].messageId > 0)
    await got3
    messages.sort()
    assert.deepStrictEqual(messages, [['a/0', 'zero', 0], ['a/1', 'héllo 😀', 1], ['a/2', '2', 2]])
    const unsuback = await client.unsubscribeAsync('a/+')
    assert.strictEqual(unsuback.cmd, 'unsuback')
    const events = []
    for (const ev of ['close', 'end']) client.on(ev, () => events.push(ev))
    await client.endAsync()
    assert.deepStrictEqual(events, ['close', 'end'])
    assert.strictEqual(client.disconnected, true)
    // The socket's close handshake may still run; its grace timer is 3 s at most.
    assert.strictEqual(await timers.settled(3500), 0, 'no timer left after end')
  } finally {
    timers.restore()
    await broker.close()
  }
})

test('real core: unreachable broker gives close, offline, reconnect; end stops everything', { skip }, async () => {
  const m = loadBundle()
  const server = http.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  await new Promise((resolve) => server.close(resolve)) // nothing listens there now
  const timers = bundleTimers()
  const client = m.connect('ws://127.0.0.1:' + port + '/mqtt', { reconnectPeriod: 50 })
  const events = []
  for (const ev of ['close', 'offline', 'reconnect', 'connect']) client.on(ev, () => events.push(ev))
  await once(client, 'reconnect')
  await once(client, 'close')
  await new Promise((resolve) => client.end(resolve))
  assert.deepStrictEqual(events.slice(0, 4), ['close', 'offline', 'reconnect', 'close'])
  assert.strictEqual(events.filter((e) => e === 'offline').length, 1)
  const count = events.length
  await new Promise((resolve) => setTimeout(resolve, 150))
  assert.strictEqual(events.length, count, 'nothing happens after end')
  assert.strictEqual(await timers.settled(3500), 0, 'no timer left after end')
  timers.restore()
})

test('real core: connectAsync resolves with the client; without retries it rejects', { skip }, async () => {
  const m = loadBundle()
  const broker = await startBroker()
  try {
    const client = await m.connectAsync(broker.url, { clientId: 'real-async' })
    assert.strictEqual(client.connected, true)
    await client.endAsync()
  } finally {
    await broker.close()
  }
  await assert.rejects(m.connectAsync('ws://127.0.0.1:9/mqtt', { reconnectPeriod: 50 }, false), /Connection failed: .*ECONNREFUSED/)
})

test.after(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true })
})
