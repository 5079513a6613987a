// Taro: @tarojs/taro's type files (Taro.connectSocket returns a Promise of a SocketTask), over
// js-glue/platform/socket-task.js through the connectSocket option.
declare namespace PlatformApi {
  type Checked = 'taro'
  type Api = import('@tarojs/taro').TaroStatic
  type ConnectSocketOption = import('@tarojs/taro').connectSocket.Option
  type SocketTask = import('@tarojs/taro').SocketTask
  type SocketSendOption = import('@tarojs/taro').SocketTask.SendOption
  type RequestOption = import('@tarojs/taro').request.Option
}
declare var qq: any, swan: any, ks: any, tt: any, uni: any
