// MQTT to Easemob from an Alipay mini-program, the way seed 000's guide does it: a user token
// fetched with my.request from the Easemob REST API is the MQTT password; alis:// + {my}.
import mqtt from '../../utils/mqtt.min.js'
import config from '../../config.js'

const clientId = config.deviceId + '@' + config.appId // deviceID@AppID

Page({
  data: {
    brokerUrl: config.brokerUrl,
    state: 'idle',
    statusText: 'not connected',
    connected: false,
    subscribed: false,
    messages: [],
    options: {
      keepalive: 60,
      clean: true,
      protocolVersion: 4,
      clientId: clientId,
      password: '', // the user token, filled in by getUserToken
      username: config.username,
      reconnectPeriod: 1000,
      connectTimeout: 30 * 1000,
      resubscribe: true,
      my: my // the library talks to my.connectSocket through this
    }
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

  toast(content) {
    my.showToast({ content })
  },

  post(path, data, headers, done) {
    my.request({
      url: `${config.restApiUrl}${path}`,
      method: 'POST',
      data,
      headers: Object.assign({ 'content-type': 'application/json' }, headers),
      dataType: 'json',
      success: (res) => {
        const token = res.data && res.data.body && res.data.body.access_token
        if (token) done(null, token)
        else done(new Error(`no token in the answer from ${path}`))
      },
      fail: (res) => done(new Error(`${path} failed: ${res.errorMessage || res.error} (status ${res.status || '-'})`))
    })
  },

  getAppToken(done) {
    this.post('/openapi/rm/app/token', { appClientId: config.appClientId, appClientSecret: config.appClientSecret }, {}, done)
  },

  getUserToken(appToken, done) {
    this.post(
      '/openapi/rm/user/token',
      { username: config.username, expires_in: 86400, cid: clientId },
      { Authorization: appToken },
      done
    )
  },

  connect() {
    if (this.client) return
    this.show('token', `fetching a user token from ${config.restApiUrl}`)
    this.getAppToken((err, appToken) => {
      if (err) return this.show('error', err.message)
      this.getUserToken(appToken, (err2, userToken) => {
        if (err2) return this.show('error', err2.message)
        this.data.options.password = userToken
        this.open()
      })
    })
  },

  open() {
    this.show('connecting', `connecting to ${config.brokerUrl} as ${clientId}`)
    const client = mqtt.connect(config.brokerUrl, this.data.options)
    this.client = client
    client.on('connect', () => {
      this.setData({ connected: true })
      this.show('connected', `connected to ${config.brokerUrl}`)
      this.toast('服务器连接成功')
      this.subOne()
    })
    client.on('message', (topic, payload) => {
      const text = payload.toString()
      this.setData({ messages: this.data.messages.concat([{ topic, text }]) })
      this.show('received', `message on ${topic}: ${text}`)
    })
    client.on('reconnect', () => this.show('reconnecting', 'connection lost, reconnecting'))
    client.on('offline', () => this.setData({ connected: false }))
    client.on('close', () => this.setData({ connected: false, subscribed: false }))
    client.on('error', (err) => this.show('error', `error: ${err.message}`))
  },

  subOne() {
    if (!this.client) return
    this.client.subscribe(config.topic, (err, granted) => {
      if (err || !granted || !granted.length || granted[0].qos === 128) {
        this.show('error', `subscribe to ${config.topic} refused${err ? ': ' + err.message : ''}`)
        return
      }
      this.setData({ subscribed: true })
      this.show('subscribed', `subscribed to ${config.topic} (granted QoS ${granted[0].qos})`)
    })
  },

  unSubscribe() {
    if (!this.client) return
    this.client.unsubscribe(config.topic, (err) => {
      if (err) return this.show('error', `unsubscribe failed: ${err.message}`)
      this.setData({ subscribed: false })
      this.show('unsubscribed', `unsubscribed from ${config.topic}`)
    })
  },

  pubMsg() {
    if (this.client && this.client.connected) {
      this.client.publish(config.topic, config.message, (err) => {
        if (err) this.show('error', `publish failed: ${err.message}`)
        else this.show('published', `published "${config.message}" to ${config.topic}`)
      })
    }
  },

  end() {
    const client = this.client
    if (!client) return
    this.client = null
    client.end(false, () => {
      this.setData({ connected: false, subscribed: false })
      this.show('ended', 'connection ended')
    })
  }
})
