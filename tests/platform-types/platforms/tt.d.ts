/// <reference types="@douyin-microapp/typings" />
// ByteDance (Douyin, Toutiao, Feishu): @douyin-microapp/typings, over js-glue/platform/socket-task.js.
declare namespace PlatformApi {
  type Checked = 'tt'
  type Api = typeof tt
  // The typings (1.3.1) predate connectSocket's `timeout`, which ByteDance documents from base
  // library 3.83.0 (docs/platforms.md, "Other mini-program runtimes"): added here as documented.
  type ConnectSocketOption = Parameters<typeof tt.connectSocket>[0] & { timeout?: number }
  type SocketTask = ReturnType<typeof tt.connectSocket>
  type SocketSendOption = Parameters<SocketTask['send']>[0]
  type RequestOption = Parameters<typeof tt.request>[0]
}
declare var qq: any, swan: any, ks: any, uni: any
