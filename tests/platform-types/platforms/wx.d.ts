/// <reference types="miniprogram-api-typings" />
// WeChat: miniprogram-api-typings (js-glue/platform/wx.js; QQ copies this API but publishes no typings).
declare namespace PlatformApi {
  type Checked = 'wx'
  type Api = WechatMiniprogram.Wx
  type ConnectSocketOption = WechatMiniprogram.ConnectSocketOption
  type SocketTask = WechatMiniprogram.SocketTask
  type SocketSendOption = WechatMiniprogram.SocketTaskSendOption
  type RequestOption = WechatMiniprogram.RequestOption
}
