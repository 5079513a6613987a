// MQTT to Aliyun IoT from a WeChat mini-program, the way seed 001's guide does it:
// credentials signed in the page with HMAC-SHA1, connection over wxs://.
const mqtt = require('../../utils/mqtt.min.js')
const crypto = require('../../utils/hex_hmac_sha1.js')
const config = require('../../config.js')

Page({
  data: {
    brokerUrl: config.brokerUrl,
    state: 'idle',
    statusText: 'not connected',
    connected: false,
    subscribed: false,
    messages: []
  },

  onLoad() {
    this.client = null
    this.connect()
  },

  onUnload() {
    if (this.client) this.client.end(true)
    this.client = null
  },

  show(state, statusText) {
    console.log(`[${state}] ${statusText}`)
    this.setData({ state, statusText })
  },

  connect() {
    if (this.client) return
    const options = this.initMqttOptions(config.device)
    this.show('connecting', `connecting to ${config.brokerUrl} as ${options.username}`)
    const client = mqtt.connect(config.brokerUrl, options)
    this.client = client

    client.on('connect', (connack) => {
      this.setData({ connected: true })
      this.show('connected', `connected to ${config.brokerUrl} (session present: ${!!(connack && connack.sessionPresent)})`)
      this.subscribe()
    })
    client.on('message', (topic, payload) => {
      // payload is a Buffer: toString() decodes UTF-8
      const text = payload.toString()
      this.setData({ messages: this.data.messages.concat([{ topic, text }]) })
      this.show('received', `message on ${topic}: ${text}`)
    })
    client.on('reconnect', () => this.show('reconnecting', 'connection lost, reconnecting'))
    client.on('offline', () => this.setData({ connected: false }))
    client.on('close', () => this.setData({ connected: false, subscribed: false }))
    client.on('error', (err) => this.show('error', `error: ${err.message}`))
  },

  subscribe() {
    if (!this.client) return
    this.client.subscribe(config.topic, { qos: 1 }, (err, granted) => {
      if (err || !granted || !granted.length || granted[0].qos === 128) {
        this.show('error', `subscribe to ${config.topic} refused${err ? ': ' + err.message : ''}`)
        return
      }
      this.setData({ subscribed: true })
      this.show('subscribed', `subscribed to ${config.topic} (granted QoS ${granted[0].qos})`)
    })
  },

  publish() {
    if (!this.client || !this.client.connected) return
    this.client.publish(config.topic, config.message, { qos: 1 }, (err) => {
      if (err) this.show('error', `publish failed: ${err.message}`)
      else this.show('published', `published "${config.message}" to ${config.topic}`)
    })
  },

  unsubscribe() {
    if (!this.client) return
    this.client.unsubscribe(config.topic, (err) => {
      if (err) {
        this.show('error', `unsubscribe failed: ${err.message}`)
        return
      }
      this.setData({ subscribed: false })
      this.show('unsubscribed', `unsubscribed from ${config.topic}`)
    })
  },

  disconnect() {
    const client = this.client
    if (!client) return
    this.client = null
    client.end(false, () => {
      this.setData({ connected: false, subscribed: false })
      this.show('ended', 'connection ended')
    })
  },

  // Aliyun IoT connection parameters (https://help.aliyun.com/document_detail/73742.html)
  initMqttOptions(deviceConfig) {
    const params = {
      productKey: deviceConfig.productKey,
      deviceName: deviceConfig.deviceName,
      timestamp: Date.now(),
      clientId: Math.random().toString(36).substr(2)
    }
    return {
      keepalive: 60,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      password: this.signHmacSha1(params, deviceConfig.deviceSecret),
      // securemode=2: TLS (wss); signmethod names the HMAC used for the password
      clientId: `${params.clientId}|securemode=2,signmethod=hmacsha1,timestamp=${params.timestamp}|`,
      username: `${params.deviceName}&${params.productKey}`
    }
  },

  // password = hex(HMAC-SHA1(deviceSecret, sorted "name"+"value" pairs))
  signHmacSha1(params, deviceSecret) {
    const content = Object.keys(params)
      .sort()
      .map((key) => `${key}${params[key]}`)
      .join('')
    return crypto.hex_hmac_sha1(deviceSecret, content)
  }
})
