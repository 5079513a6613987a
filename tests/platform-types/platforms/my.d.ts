/// <reference types="@mini-types/my" />
// Alipay: @mini-types/my (js-glue/platform/my.js; DingTalk's dd.js reuses it, and DingTalk
// publishes no typings).
declare namespace PlatformApi {
  type Checked = 'my'
  type Api = typeof my
  // The typings leave out the success/fail/complete callbacks that Alipay documents for
  // my.connectSocket (https://opendocs.alipay.com/mini/api/vx19c3): added here as documented.
  type ConnectSocketOption = TaskOverload<typeof my.connectSocket> & {
    success?(res: unknown): void
    fail?(err: { error?: number; errorMessage?: string }): void
    complete?(res: unknown): void
  }
  type SocketTask = my.SocketTask
  /** The parameter of the first overload: `multiple: true`, which returns a SocketTask. */
  type TaskOverload<F> = F extends { (param: infer A): any; (param: infer B): any } ? A : never
  /** One message goes to SocketTask.send or, on the legacy API, to my.sendSocketMessage. */
  type SocketSendOption = Parameters<my.SocketTask['send']>[0] & Parameters<typeof my.sendSocketMessage>[0]
  type RequestOption = Parameters<typeof my.request>[0]
}
declare var dd: any
