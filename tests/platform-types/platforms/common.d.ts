// Shared by every program of tests/platform-types/check.js. Each program adds one file of this
// folder that fills in `PlatformApi` with one platform's official typings; the platform
// modules (js-glue/platform/*.js) name these types in JSDoc only, so the shipped code does not
// depend on any typings package.
declare namespace PlatformApi {
  /** Every `X` for which the API object has both `onX` and `offX` (app and network events). */
  type LifecycleEvent = OnOff<keyof Api & string>
  type OnOff<K extends string> = K extends `on${infer E}` ? (`off${E}` extends keyof Api ? E : never) : never
  /** The keys of connectSocket's option the runtime row `name` passes through as they are. */
  type WsOptionKey<Name extends string> = Name extends Checked ? keyof ConnectSocketOption : string
}

// What the glue's helpers use that no platform typing declares: esbuild `define` constants of
// scripts/bundle.js, the wasm2js core's global, and the codes the glue puts on errors (as Node does).
declare const MPMQTT_CLOUD_SIGNING: boolean
declare const MPMQTT_ID_PROVIDER: boolean
declare const MPMQTT_PACKET_RECORDS: boolean
declare const MPMQTT_INPUT_IN_PLACE: boolean
declare const MPMQTT_KEPT_PAYLOADS: boolean
declare const MPMQTT_HELD_ACKS: boolean
declare const MPMQTT_STORED_ALIAS_TOPICS: boolean
declare const mpmqttFallback: any
interface Error {
  code?: string | number
}
