/*
 * Seed 000: Easemob's "快速使用MQTT 支付宝小程序 SDK实现消息收发" guide, its code snippets put
 * together as the one page they describe (pages/index/index.js of an Alipay project with the
 * library at utils/mqtt.min.js). Everything below is the guide's text except these edits:
 *  1. The snippets of sections 2.1-2.6 are joined into one file: the 2.1 variables at the top,
 *     getAppToken/getUserToken (2.2) as page methods, the 2.6.2 message handler inside
 *     connect() where its `that` and `this.data.client` belong (the guide's full demo does so).
 *  2. 2.1 and 2.3 both declare deviceId/appId and `var host` + `const host` (a SyntaxError in
 *     one scope): the 2.1 declarations are kept, the 2.3 duplicates are dropped.
 *  3. Placeholders filled with the test sandbox's values (host, appId, restApiUrl,
 *     appClientId, appClientSecret), as a developer following the guide would.
 *  4. getAppToken passes its token on to getUserToken (the guide leaves the hand-over to the
 *     reader: "根据获取到的appToken,去获取userToken").
 *  5. `toast`, called by the guide and defined in its full demo, is added (my.showToast).
 *  6. Commas between page methods (the guide shows each method as a separate snippet) and the
 *     line breaks lost by the wiki extraction are restored.
 */
import mqtt from '../../utils/mqtt.min.js'

var host = 'alis://ytlbe0.cn1.mqtt.chat' //环信MQTT服务器地址 通过console后台[MQTT]->[服务概览]->[服务配置]下[连接地址]获取
var deviceId = 'deviceId' // MQTT 用户自定义deviceID
var appId = 'ytlbe0' // appID 通过console后台[MQTT]->[服务概览]->[服务配置]下[AppID]获取
var restApiUrl = 'https://api.cn1.mqtt.chat/app/ytlbe0' // 环信MQTT REST API地址 通过console后台[MQTT]->[服务概览]->[服务配置]下[REST API地址]获取
var username = 'test' // 自定义用户名 长度不超过64位即可
var appClientId = 'YXA6demoClientId' // 开发者ID 通过console后台[应用概览]->[应用详情]->[开发者ID]下[ Client ID]获取
var appClientSecret = 'YXA6demoClientSecretForTheLocalSandbox' // 开发者密钥 通过console后台[应用概览]->[应用详情]->[开发者ID]下[ ClientSecret]获取
var clientId = deviceId + '@' + appId

Page({
  data: {
    client: null,
    //记录重连的次数
    reconnectCounts: 0,
    //MQTT连接的配置
    options: {
      keepalive: 60, //60s
      clean: true, //cleanSession不保持持久会话
      protocolVersion: 4, //MQTT连接协议版本
      clientId: deviceId + '@' + appId, // deviceID@AppID
      password: '', // 用户token, 可以通过getToken方法获取,或者去console控制台获取对应的token
      username: username,
      reconnectPeriod: 1000, //1000毫秒,两次重新连接之间的间隔 设置为0则关闭自动重链
      connectTimeout: 30 * 1000, //30 * 1000毫秒,两次重新连接之间的间隔
      resubscribe: true, //如果连接断开并重新连接,则会再次自动订阅已订阅的主题(默认true)
      my: my //注意这里的my
    }
  },
  // 获取appToken代码示例如下:
  getAppToken: function () {
    let that = this
    my.request({
      url: `${restApiUrl}/openapi/rm/app/token`,
      method: 'POST',
      data: {
        appClientId: appClientId,
        appClientSecret: appClientSecret,
      },
      headers: {
        'content-type': 'application/json' //默认值
      },
      dataType: 'json',
      success: function (res) {
        // 获取appToken
        let appToken = res.data.body.access_token
        console.log('appToken', appToken)
        that.getUserToken(appToken)
      },
      fail: function (res) {
        my.alert({ content: 'fail' })
      }
    })
  },
  // 获取userToken代码示例如下:
  getUserToken: function (appToken) {
    let that = this
    my.request({
      url: `${restApiUrl}/openapi/rm/user/token`,
      method: 'POST',
      data: {
        username: username,
        expires_in: 86400, // 过期时间,单位为秒,默认为3天,如需调整,可提工单调整
        cid: clientId
      },
      headers: {
        'Authorization': appToken,
        'content-type': 'application/json' //默认值
      },
      dataType: 'json',
      success: function (res) {
        // 获取到的userToken
        let userToken = res.data.body.access_token
        console.log('userToken', userToken)
        that.data.options.password = userToken
        that.toast(userToken)
      },
      fail: function (res) {
        my.alert({ content: 'fail' })
      }
    })
  },
  toast(content) {
    my.showToast({ content: content })
  },
  connect() {
    var that = this
    //开始连接
    this.data.client = mqtt.connect(host, this.data.options)
    this.data.client.on('connect', function (connack) {
      console.log('服务器连接成功', connack)
      that.toast('服务器连接成功')
    })
    //服务器下发消息的回调
    this.data.client.on('message', function (topic, payload) {
      console.log('收到 topic:' + topic + ' , payload :' + payload)
      that.toast('收到 topic:' + topic + ' , payload :' + payload)
    })
  },
  subOne() {
    var that = this
    this.data.client.subscribe('Topic0', function (err, granted) {
      if (!err) {
        console.log('>>>>>>主题订阅成功')
        that.toast('订阅主题Topic0成功')
      } else {
        console.log(err)
      }
    })
  },
  unSubscribe() {
    var that = this
    this.data.client.unsubscribe('Topic0', function (err) {
      if (!err) {
        console.log('>>>>>>主题取消订阅成功')
        that.toast('取消订阅Topic0成功')
      } else {
        console.log(err)
      }
    })
  },
  pubMsg: function () {
    if (this.data.client && this.data.client.connected) {
      this.data.client.publish('Topic0', 'hello world')
    }
  }
})
