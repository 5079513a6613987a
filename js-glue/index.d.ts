// Type definitions for mpmqtt: MQTT.js' API (mqtt.min.js) for WeChat/Alipay mini-programs.

/** A payload as delivered to 'message': a Uint8Array behaving like Node's Buffer. */
export interface BufferLike extends Uint8Array {
  /** 'utf8' (default), 'utf-8', 'hex', 'base64', 'ascii', 'latin1', 'binary'. */
  toString(encoding?: string, start?: number, end?: number): string
  toJSON(): { type: 'Buffer'; data: number[] }
  equals(other: Uint8Array): boolean
  // slice/subarray also return Buffer-like views sharing memory (like Buffer#slice);
  // they keep Uint8Array's signatures so this type stays assignable to Uint8Array.
}

export type QoS = 0 | 1 | 2
export type BinaryLike = string | Uint8Array | ArrayBuffer | ArrayBufferView
export type UserProperties = { [key: string]: string | string[] }

export interface IConnectPacketProperties {
  sessionExpiryInterval?: number
  receiveMaximum?: number
  maximumPacketSize?: number
  topicAliasMaximum?: number
  requestResponseInformation?: boolean
  requestProblemInformation?: boolean
  userProperties?: UserProperties
  authenticationMethod?: string
  authenticationData?: BinaryLike
}

export interface IPublishProperties {
  payloadFormatIndicator?: boolean
  messageExpiryInterval?: number
  topicAlias?: number
  responseTopic?: string
  correlationData?: BinaryLike
  userProperties?: UserProperties
  subscriptionIdentifier?: number | number[]
  contentType?: string
}

export interface IWillOptions {
  topic: string
  payload: BinaryLike
  qos?: QoS
  retain?: boolean
  properties?: {
    willDelayInterval?: number
    payloadFormatIndicator?: boolean
    messageExpiryInterval?: number
    contentType?: string
    responseTopic?: string
    correlationData?: BinaryLike
    userProperties?: UserProperties
  }
}

export interface ICredentials {
  username?: string
  password?: string | Uint8Array
  /** Replaces the client id for this and later connections. */
  clientId?: string
}

export interface ICredentialsInfo {
  /** Connection attempt number, from 1. */
  attempt: number
  clientId: string
}

/**
 * Called before every connection attempt. Either return a Promise of the
 * credentials or call `callback(err, credentials)`. Cloud helpers are providers.
 */
export type CredentialsProvider = (
  callback: (err: Error | null | undefined, credentials?: ICredentials) => void,
  info: ICredentialsInfo
) => Promise<ICredentials> | void

export interface IBackoffOptions {
  /** First delay, ms. */
  initial?: number
  /** Largest delay, ms. */
  max?: number
  multiplier?: number
  /** 0..1: random spread applied to each delay. */
  jitter?: number
}

export interface IServer {
  host: string
  port?: number
  protocol?: 'wss' | 'ws' | 'wxs' | 'wx' | 'alis' | 'ali'
}

export interface IClientOptions {
  /** Only WebSocket schemes: mqtt/tcp/mqtts/ssl/tls throw. */
  protocol?: 'wss' | 'ws' | 'wxs' | 'wx' | 'alis' | 'ali'
  host?: string
  hostname?: string
  port?: number
  path?: string
  servers?: IServer[]
  /** Default 60 (seconds); 0 disables keepalive. */
  keepalive?: number
  reschedulePings?: boolean
  /** Default 'mqttjs_' + 8 hex digits. */
  clientId?: string
  protocolId?: 'MQTT' | 'MQIsdp'
  /** Default 4. */
  protocolVersion?: 3 | 4 | 5
  /** Default true; false needs a clientId. */
  clean?: boolean
  /** Default 1000 ms; 0 disables reconnecting. */
  reconnectPeriod?: number
  /** Default 30000 ms. */
  connectTimeout?: number
  username?: string
  password?: string | Uint8Array
  will?: IWillOptions
  properties?: IConnectPacketProperties
  /** Default true. */
  resubscribe?: boolean
  /** Default true. */
  queueQoSZero?: boolean
  manualConnect?: boolean
  /** Default false: a refused CONNACK stops reconnecting. */
  reconnectOnConnackError?: boolean
  autoUseTopicAlias?: boolean
  autoAssignTopicAlias?: boolean
  /**
   * v5: picks the reason code of each incoming QoS 1/2 message's PUBACK/PUBREC; `done(err)`
   * or an invalid code emits 'error' and sends none; 'message' only for code 0.
   * Universal build only: dist/wx and dist/my refuse it (as subscribeBatchSize and authPacket).
   */
  customHandleAcks?: (topic: string, message: BufferLike, packet: IPublishPacket, done: (error: Error | number | null, reasonCode?: number) => void) => void
  /** A subscribe() of more filters than this goes out as several SUBSCRIBEs; one callback. */
  subscribeBatchSize?: number
  /** v5, with properties.authenticationMethod: an AUTH ({reasonCode: 0} merged with this) sent right after the CONNECT. */
  authPacket?: Partial<Omit<IAuthPacket, 'cmd'>>
  transformWsUrl?: (url: string, options: IClientOptions, client: MqttClient) => string
  wsOptions?: { headers?: { [name: string]: string }; [key: string]: unknown }
  log?: (...args: unknown[]) => void
  /** Closed at end() (MQTT.js); QoS 2 receipts are kept by the core, not put here. */
  incomingStore?: IStore
  /**
   * Holds each QoS 1/2 publish from its call until acknowledged (its PUBREL after PUBREC),
   * as MQTT.js does; what it holds when the client connects is resent with its ids.
   * mqtt-store.js gives one on the platform's storage, which survives a reload.
   */
  outgoingStore?: IStore
  /** The packet ids of publish/subscribe/unsubscribe (default: the core's allocator). */
  messageIdProvider?: IMessageIdProvider
  /** Alipay: the `my` object (detected automatically when global). */
  my?: object
  /** WeChat: the `wx` object (detected automatically when global). */
  wx?: object
  /** ByteDance (Douyin/Feishu), QQ, Baidu, Kuaishou, DingTalk, uni-app: their API objects (detected automatically when global). */
  tt?: object
  qq?: object
  swan?: object
  ks?: object
  dd?: object
  uni?: object
  /** Any runtime with a WeChat-like SocketTask: its connectSocket (Taro.connectSocket's Promise of a task too). */
  connectSocket?: (option: { url: string; header?: object; protocols?: string[]; fail?: (res: unknown) => void }) => unknown
  /** With `connectSocket`: the object whose onAppShow/onAppHide/onNetworkStatusChange and request to use. */
  api?: object
  // mpmqtt extensions
  credentialsProvider?: CredentialsProvider
  backoff?: IBackoffOptions
  /** 0 = unlimited. */
  maxReconnectAttempts?: number
  /** Offline queue bound in operations; default none (queueByteLimit bounds it). */
  queueLimit?: number
  /** Offline queue bound in bytes (topic + payload + ~160 per operation); default 16 MiB. */
  queueByteLimit?: number
  /** QoS 1/2 publishes awaiting acknowledgement at once; default 20 on 3.1.1, the broker's Receive Maximum on 5 (which also caps a set value). */
  maxInflight?: number
  maxIncomingPacketSize?: number
  /** ms; default 2000. */
  sameClientIdWindow?: number
  /** Default 3. */
  sameClientIdLimit?: number
  /** Default false: an inferred "client id in use elsewhere" backs off (5 s doubling to 5 min); true stops reconnecting. */
  stopOnClientIdTaken?: boolean
  /** Use the wasm2js core (mqtt.fallback.js) even where WebAssembly exists (not in dist/wx/, which has no fallback). */
  forceFallback?: boolean
  /** The fallback core module itself, when it cannot be found beside mqtt.min.js. */
  fallback?: { format: 'wasm2js'; instantiate(imports: object): object }
  /** WeChat: where mqtt.wasm.br lives in the code package, instead of the search list. */
  wasmPath?: string
  /** The wasm bytes, instead of mqtt.wasm.js / mqtt.wasm. */
  wasmBytes?: ArrayBuffer | ArrayBufferView
  /** Built-in credentials, signed before every connection attempt (set at most one cloud). */
  aliyun?: IAliyunOptions
  tencent?: ITencentOptions
  huawei?: IHuaweiOptions
  onenet?: IOneNetOptions
  easemob?: IEasemobOptions
  [key: string]: unknown
}

export type SignMethod = 'hmacsha1' | 'hmacsha256' | 'hmacmd5'

export interface IAliyunOptions {
  productKey: string
  deviceName: string
  /** Ships with the page: only for a per-device page (docs/clouds.md). */
  deviceSecret: string
  /** Default `${productKey}.${deviceName}`. */
  clientId?: string
  /** Default 'hmacsha1'; the method named is the one computed. */
  signMethod?: SignMethod
  /** securemode 2 (wss, default) or 3. */
  tls?: boolean
}

export interface ITencentOptions {
  productId: string
  deviceName: string
  /** base64, as the console shows it. */
  devicePsk: string
  sdkappid?: number
  /** Signature lifetime in seconds, default 3600. */
  lifetime?: number
  signMethod?: 'hmacsha1' | 'hmacsha256'
}

export interface IHuaweiOptions {
  deviceId: string
  secret: string
  /** Default true (clientId `…_0_1_YYYYMMDDHH`). */
  checkTimestamp?: boolean
}

export interface IOneNetOptions {
  productId: string
  deviceName: string
  /** base64 device key. */
  key: string
  /** Default `products/{productId}/devices/{deviceName}`. */
  res?: string
  lifetime?: number
  signMethod?: SignMethod
}

export interface IEasemobOptions {
  deviceId: string
  appId: string
  username: string
  /** Default `${deviceId}@${appId}`. */
  clientId?: string
  /** Recommended: ask your own server for the user token. */
  userToken?: (who: { username: string; clientId: string }) => string | Promise<string>
  /** The documented two-step flow; the app secret then ships with the page (development only). */
  restApiUrl?: string
  appClientId?: string
  appClientSecret?: string
  /** User token lifetime in seconds. */
  expiresIn?: number
}

export interface IClientPublishOptions {
  qos?: QoS
  retain?: boolean
  dup?: boolean
  properties?: IPublishProperties
  cbStorePut?: () => void
}

export interface IClientSubscribeOptions {
  qos?: QoS
  /** No Local (v5). */
  nl?: boolean
  /** Retain As Published (v5). */
  rap?: boolean
  /** Retain Handling (v5). */
  rh?: 0 | 1 | 2
  properties?: { subscriptionIdentifier?: number; userProperties?: UserProperties }
}

export interface IClientSubscribeProperties {
  properties?: { subscriptionIdentifier?: number; userProperties?: UserProperties }
}

export interface IClientUnsubscribeOptions {
  properties?: { userProperties?: UserProperties }
}

export interface IClientEndOptions {
  /** v5 DISCONNECT reason code. */
  reasonCode?: number
  /** v5 DISCONNECT properties; wrong ones are left out and reported through 'error'. */
  properties?: { sessionExpiryInterval?: number; reasonString?: string; serverReference?: string; userProperties?: UserProperties }
}

export interface ISubscriptionMap {
  [topic: string]: IClientSubscribeOptions | QoS
}

export interface ISubscriptionGrant {
  topic: string
  /** Granted QoS, or a failure code (128, or a v5 reason code >= 0x80). */
  qos: number
  nl?: boolean
  rap?: boolean
  rh?: number
}

export interface IConnackPacket {
  cmd: 'connack'
  retain: boolean
  qos: number
  dup: boolean
  length?: number
  topic: null
  payload: null
  sessionPresent: boolean
  /** MQTT 3.1/3.1.1 */
  returnCode?: number
  /** MQTT 5 */
  reasonCode?: number
  properties?: { [key: string]: unknown }
}

export interface IPublishPacket {
  cmd: 'publish'
  topic: string
  payload: BufferLike | BinaryLike
  qos: QoS
  retain: boolean
  dup: boolean
  length?: number
  messageId?: number
  properties?: IPublishProperties
}

export interface IAckPacket {
  cmd: 'suback' | 'unsuback'
  granted: number[]
  properties?: { reasonString?: string; userProperties?: UserProperties }
}

export interface IDisconnectPacket {
  cmd: 'disconnect'
  reasonCode: number
  properties?: { [key: string]: unknown }
}

export interface IAuthPacket {
  cmd: 'auth'
  reasonCode: number
  properties?: { authenticationMethod?: string; authenticationData?: Uint8Array; [key: string]: unknown }
}

/**
 * The packet given to packetsend/packetreceive, as MQTT.js emits it: for a packet sent, the
 * object MQTT.js writes; for one received, mqtt-packet's parse (`retain`, `qos`, `dup`,
 * `length`, `topic`/`payload` null when the packet has none). Fields by `cmd`. A CONNECT's
 * password is left out (MQTT.js shows it): a page printing its packets must not print a secret.
 */
export interface IPacketInfo {
  cmd: 'connect' | 'connack' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'subscribe' | 'suback' | 'unsubscribe' | 'unsuback' | 'pingreq' | 'pingresp' | 'disconnect' | 'auth'
  messageId?: number
  qos?: QoS | number
  retain?: boolean
  dup?: boolean
  length?: number
  topic?: string | null
  payload?: BufferLike | Uint8Array | string | null
  properties?: { [name: string]: any }
  reasonCode?: number
  returnCode?: number
  sessionPresent?: boolean
  granted?: number[]
  subscriptions?: Array<{ topic: string, qos: QoS, nl?: boolean, rap?: boolean, rh?: number, properties?: { [name: string]: any } }>
  unsubscriptions?: string[]
  protocolId?: string
  protocolVersion?: number
  clean?: boolean
  clientId?: string
  keepalive?: number
  username?: string
  will?: { topic: string, payload: BufferLike | Uint8Array, qos: QoS, retain: boolean, properties?: { [name: string]: any } }
}

export type Packet = IConnackPacket | IPublishPacket | IAckPacket | IDisconnectPacket | IAuthPacket | IPacketInfo

export type PacketCallback = (error?: Error | null, packet?: IPublishPacket) => void
export type ClientSubscribeCallback = (err: Error | null, granted?: ISubscriptionGrant[], suback?: IAckPacket) => void
export type ClientUnsubscribeCallback = (err?: Error | null, unsuback?: IAckPacket) => void
export type CloseCallback = (error?: Error) => void
export type OnMessageCallback = (topic: string, payload: BufferLike, packet: IPublishPacket) => void

/** MQTT.js' store interface (`Store` implements it in memory). */
export interface IStore {
  put(packet: { messageId?: number; [field: string]: any }, cb?: (err?: Error | null) => void): unknown
  get(packet: { messageId?: number }, cb: (err: Error | null, packet?: object) => void): unknown
  del(packet: { messageId?: number }, cb?: (err: Error | null, packet?: object) => void): unknown
  createStream(): { on(event: 'data' | 'end' | 'error' | 'close', fn: (...args: any[]) => void): unknown; destroy(): unknown }
  close(cb?: (err?: Error | null) => void): void
}

/** MQTT.js' packet id allocator interface. */
export interface IMessageIdProvider {
  /** An id, or null when none is free (the call then waits for one). */
  allocate(): number | null
  getLastAllocated(): number | null | undefined
  register(messageId: number): boolean
  deallocate(messageId: number): void
  clear(): void
}

export declare class DefaultMessageIdProvider implements IMessageIdProvider {
  allocate(): number
  getLastAllocated(): number
  register(messageId: number): boolean
  deallocate(messageId: number): void
  clear(): void
}

export declare class UniqueMessageIdProvider implements IMessageIdProvider {
  allocate(): number | null
  getLastAllocated(): number | undefined
  register(messageId: number): boolean
  deallocate(messageId: number): void
  clear(): void
}

export declare class Store {
  constructor(options?: object)
  put(packet: { messageId?: number }, cb?: () => void): this
  get(packet: { messageId?: number }, cb: (err: Error | null, packet?: object) => void): this
  del(packet: { messageId?: number }, cb?: (err: Error | null, packet?: object) => void): this
  createStream(): { on(event: 'data' | 'end', fn: (...args: any[]) => void): unknown; destroy(): unknown }
  close(cb?: () => void): void
}

export declare class ErrorWithReasonCode extends Error {
  code: number
  constructor(message: string, code: number)
}

export declare const ReasonCodes: { [code: number]: string }

export declare class MqttClient {
  /** A copy of the options given, with defaults applied. */
  options: IClientOptions
  connected: boolean
  reconnecting: boolean
  disconnecting: boolean
  disconnected: boolean
  outgoingStore: IStore
  incomingStore: IStore

  constructor(options?: IClientOptions)

  on(event: 'connect', cb: (connack: IConnackPacket) => void): this
  on(event: 'message', cb: OnMessageCallback): this
  on(event: 'error', cb: (error: Error & { code?: number | string }) => void): this
  on(event: 'disconnect', cb: (packet: IDisconnectPacket) => void): this
  on(event: 'packetsend' | 'packetreceive', cb: (packet: IPacketInfo) => void): this
  on(event: 'reconnect' | 'close' | 'offline' | 'end' | 'outgoingEmpty', cb: () => void): this
  on(event: string, cb: (...args: any[]) => void): this
  once(event: 'connect', cb: (connack: IConnackPacket) => void): this
  once(event: 'message', cb: OnMessageCallback): this
  once(event: string, cb: (...args: any[]) => void): this
  addListener(event: string, cb: (...args: any[]) => void): this
  off(event: string, cb: (...args: any[]) => void): this
  removeListener(event: string, cb: (...args: any[]) => void): this
  removeAllListeners(event?: string): this
  emit(event: string, ...args: any[]): boolean
  listeners(event: string): Array<(...args: any[]) => void>
  listenerCount(event: string): number
  eventNames(): string[]
  setMaxListeners(n: number): this

  /** Starts connecting; only needed with `manualConnect`. */
  connect(): this
  publish(topic: string, message: BinaryLike, opts?: IClientPublishOptions, callback?: PacketCallback): this
  publish(topic: string, message: BinaryLike, callback?: PacketCallback): this
  publishAsync(topic: string, message: BinaryLike, opts?: IClientPublishOptions): Promise<IPublishPacket | undefined>
  subscribe(topic: string | string[] | ISubscriptionMap, opts?: IClientSubscribeOptions, callback?: ClientSubscribeCallback): this
  subscribe(topic: string | string[] | ISubscriptionMap, callback?: ClientSubscribeCallback): this
  subscribeAsync(topic: string | string[] | ISubscriptionMap, opts?: IClientSubscribeOptions): Promise<ISubscriptionGrant[]>
  unsubscribe(topic: string | string[], opts?: IClientUnsubscribeOptions, callback?: ClientUnsubscribeCallback): this
  unsubscribe(topic: string | string[], callback?: ClientUnsubscribeCallback): this
  unsubscribeAsync(topic: string | string[], opts?: IClientUnsubscribeOptions): Promise<IAckPacket>
  end(force?: boolean, opts?: IClientEndOptions, cb?: CloseCallback): this
  end(force?: boolean, cb?: CloseCallback): this
  end(opts?: IClientEndOptions, cb?: CloseCallback): this
  end(cb?: CloseCallback): this
  endAsync(force?: boolean, opts?: IClientEndOptions): Promise<void>
  /** With `opts`, these stores (the outgoing one read and resent); without, fresh in-memory ones (MQTT.js). */
  reconnect(opts?: { incomingStore?: IStore; outgoingStore?: IStore }): this
  removeOutgoingMessage(messageId: number): this
  getLastMessageId(): number | null
  /**
   * Called after 'message' for every incoming PUBLISH. Overridden, it gives back-pressure:
   * the message's PUBACK (QoS 1) or PUBREC (QoS 2) and the next message wait for
   * `callback()`; `callback(err)` sends no acknowledgement (the broker resends).
   */
  handleMessage(packet: IPublishPacket, callback: (error?: Error) => void): void
  /** MQTT 5 AUTH from the broker; answer with callback(null, {reasonCode, properties}). */
  handleAuth(packet: IAuthPacket, callback: (error?: Error | null, answer?: { reasonCode?: number; properties?: object }) => void): void
}

export { MqttClient as Client }

export declare function connect(brokerUrl: string, opts?: IClientOptions): MqttClient
export declare function connect(opts: IClientOptions): MqttClient
export declare function connectAsync(brokerUrl: string, opts?: IClientOptions, allowRetries?: boolean): Promise<MqttClient>
export declare function connectAsync(opts: IClientOptions): Promise<MqttClient>

declare const mqtt: {
  (brokerUrl: string, opts?: IClientOptions): MqttClient
  (opts: IClientOptions): MqttClient
  connect: typeof connect
  connectAsync: typeof connectAsync
  MqttClient: typeof MqttClient
  Client: typeof MqttClient
  Store: typeof Store
  DefaultMessageIdProvider: typeof DefaultMessageIdProvider
  UniqueMessageIdProvider: typeof UniqueMessageIdProvider
  ReasonCodes: typeof ReasonCodes
  ErrorWithReasonCode: typeof ErrorWithReasonCode
}
export default mqtt
