// Compiled with `tsc --noEmit -p tests/types`: checks js-glue/index.d.ts against MQTT.js-style usage.
import mqtt, { IClientOptions, IClientPublishOptions, ISubscriptionGrant, MqttClient, Packet, ErrorWithReasonCode, connect } from '../../js-glue/index'

declare const my: object
declare const console: { log(...args: unknown[]): void }

const options: IClientOptions = {
  keepalive: 60,
  clean: true,
  protocolVersion: 4,
  clientId: 'device001@app',
  username: 'user',
  password: new Uint8Array([1, 2]),
  reconnectPeriod: 1000,
  connectTimeout: 30 * 1000,
  resubscribe: true,
  my,
  will: { topic: 'bye', payload: 'gone', qos: 1, retain: false },
  transformWsUrl: (url, opts, client) => url + '?c=' + opts.clientId + String(client.connected),
  backoff: { initial: 500, max: 30000, multiplier: 2, jitter: 0.2 },
  credentialsProvider: async (_cb, info) => ({ username: 'u', password: 'token-' + info.attempt }),
}

const client: MqttClient = mqtt.connect('alis://broker.example.com/mqtt', options)
const other = connect({ host: 'h', port: 8084, protocol: 'wxs', path: '/mqtt' })
const viaCall = mqtt('wxs://h/mqtt')
const viaClass: MqttClient = new mqtt.Client({ manualConnect: true }).connect()

client.on('connect', (connack) => {
  const present: boolean = connack.sessionPresent
  client.subscribe('Topic0', (err, granted) => {
    if (!err && granted) {
      const first: ISubscriptionGrant = granted[0]
      console.log(present, first.topic, first.qos)
    }
  })
  client.subscribe({ a: { qos: 1, nl: true }, b: 2 }, { qos: 0 })
  client.subscribe(['x', 'y'])
})
client.on('message', (topic, payload, packet) => {
  const text: string = payload.toString()
  const hex: string = payload.toString('hex')
  const n: number = payload.length + payload[0]
  console.log(topic, text, hex, n, packet.qos, packet.messageId, JSON.stringify(payload.toJSON()))
})
client.on('error', (err) => console.log(err.message, err.code))
client.on('packetsend', (p: Packet) => console.log(p.cmd))
client.on('reconnect', () => undefined).on('offline', () => undefined).once('close', () => undefined)

const pubOpts: IClientPublishOptions = { qos: 1, retain: true, properties: { userProperties: { a: 'b' } } }
client.publish('t', 'hello', pubOpts, (err, packet) => console.log(err, packet && packet.messageId))
client.publish('t', new Uint8Array([1]))
client.publish('t', new ArrayBuffer(2), () => undefined)
client.unsubscribe('Topic0', (err) => console.log(err))
client.removeOutgoingMessage(client.getLastMessageId() || 0)
client.handleMessage = (packet, done) => { console.log(packet.topic); done() }

async function flows (): Promise<void> {
  const c = await mqtt.connectAsync('wxs://h/mqtt', { clientId: 'x' }, false)
  const granted: ISubscriptionGrant[] = await c.subscribeAsync('a', { qos: 1 })
  await c.publishAsync('a', 'b', { qos: 1 })
  await c.unsubscribeAsync(['a'])
  await c.endAsync(true)
  console.log(granted.length)
}

client.end()
client.end(true)
client.end(false, { reasonCode: 4 }, (err) => console.log(err))
other.end(() => undefined)
viaCall.reconnect()
viaClass.end(true, () => undefined)
const e: ErrorWithReasonCode = new mqtt.ErrorWithReasonCode('x', 5)
console.log(e.code, mqtt.ReasonCodes[5], new mqtt.Store(), flows)

// Stores and packet id providers, as MQTT.js.
const outgoingStore = new mqtt.Store()
const withStores = mqtt.connect('wxs://h/mqtt', {
  clean: false,
  clientId: 'c1',
  outgoingStore,
  incomingStore: new mqtt.Store(),
  messageIdProvider: new mqtt.UniqueMessageIdProvider(),
})
withStores.reconnect({ outgoingStore: withStores.outgoingStore, incomingStore: withStores.incomingStore })
const id: number | null = new mqtt.DefaultMessageIdProvider().allocate()
console.log(id, withStores.getLastMessageId())
// @ts-expect-error a provider needs allocate/deallocate/...
mqtt.connect('wxs://h/mqtt', { messageIdProvider: {} })

// @ts-expect-error the payload must be a string or binary
client.publish('t', 42)
// @ts-expect-error only WebSocket schemes exist here
const bad: IClientOptions = { protocol: 'mqtt' }
console.log(bad)

// Built-in cloud credentials (one cloud at a time).
const aliyunClient: MqttClient = mqtt.connect('wxs://a1Pk.iot-as-mqtt.cn-shanghai.aliyuncs.com', {
  aliyun: { productKey: 'a1Pk', deviceName: 'dev1', deviceSecret: 'secret', signMethod: 'hmacsha256' },
  keepalive: 60
})
aliyunClient.end()
const easemobClient: MqttClient = mqtt.connect('alis://app.cn1.mqtt.chat/mqtt', {
  easemob: { deviceId: 'd1', appId: 'app', username: 'u', userToken: async ({ clientId }) => 'token-for-' + clientId }
})
easemobClient.end()

// Acknowledgements the page controls and the small options of issue 21.
const acking = mqtt.connect('wss://broker.example/mqtt', {
  protocolVersion: 5,
  subscribeBatchSize: 100,
  authPacket: { reasonCode: 0x19, properties: { authenticationMethod: 'json' } },
  properties: { authenticationMethod: 'json' },
  customHandleAcks: (topic, message, packet, done) => done(null, packet.qos === 2 && message.length === 0 ? 0x83 : 0)
})
acking.handleMessage = (packet, callback) => { callback(packet.topic === 'bad' ? new Error('no') : undefined) }
acking.end(false, { reasonCode: 4, properties: { reasonString: 'bye', userProperties: { a: 'b' } } }, () => acking.reconnect())
