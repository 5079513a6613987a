/**
 * Where the example connects: an Easemob MQTT app (console: MQTT -> 服务概览 -> 服务配置, and
 * 应用概览 -> 应用详情 -> 开发者ID). Replace every value with your own.
 * The values below are the demo's sandbox: `scripts/demo` serves the two token endpoints
 * locally and its broker accepts only the user token issued for this client id.
 *
 * appClientSecret is here only because seed 000's guide does it this way: in a real app,
 * fetch the user token from your own backend and keep the secret there.
 */
module.exports = {
  // alis:// (not wss://) tells the library to use my.connectSocket.
  brokerUrl: 'alis://ytlbe0.cn1.mqtt.chat/mqtt',
  restApiUrl: 'https://api.cn1.mqtt.chat/app/ytlbe0',
  appId: 'ytlbe0',
  deviceId: 'deviceId001',
  username: 'test',
  appClientId: 'YXA6demoClientId',
  appClientSecret: 'YXA6demoClientSecretForTheLocalSandbox',
  topic: 'Topic0',
  message: 'hello world'
}
