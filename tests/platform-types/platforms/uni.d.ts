/// <reference types="@dcloudio/types" />
// uni-app (App and H5 runtimes: `uni`): @dcloudio/types, over js-glue/platform/socket-task.js.
declare namespace PlatformApi {
  type Checked = 'uni'
  type Api = UniNamespace.Uni
  type ConnectSocketOption = UniNamespace.ConnectSocketOption
  type SocketTask = UniNamespace.SocketTask
  type SocketSendOption = Parameters<SocketTask['send']>[0]
  type RequestOption = UniNamespace.RequestOptions
}
declare var qq: any, swan: any, ks: any, tt: any
