/**
 * Where the example connects. Replace with your Aliyun IoT device's triple and endpoint.
 * The values below are the demo's sandbox: `scripts/demo` starts a local broker that checks
 * the Aliyun signature against exactly this device secret.
 */
module.exports = {
  // wxs:// (not wss://) tells the library to use wx.connectSocket.
  brokerUrl: 'wxs://a1X2bEnP82z.iot-as-mqtt.cn-shanghai.aliyuncs.com',
  device: {
    productKey: 'a1X2bEnP82z',
    deviceName: 'example1',
    deviceSecret: 'ga7XA6KdlEeiPXQPpRbAjOZXwG8ydgSe',
    regionId: 'cn-shanghai'
  },
  // On Aliyun a device receives its own messages only through a rule; the local broker echoes.
  topic: '/a1X2bEnP82z/example1/user/get',
  message: 'hello'
}
