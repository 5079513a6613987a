'use strict'
// MqttClient: MQTT.js' API on top of the sans-IO wasm core. This file owns the
// core's drive loop, the single timer, the socket and the op callbacks; the
// protocol itself lives in the core (docs/core-interface.md).
const EventEmitter = require('./emitter')
const options = require('./options')
const url = require('./url')
const payload = require('./payload')
const utf8 = require('../shared/utf8')
const { connectionFailed, refusal, coreError } = require('./errors')
const { defer, rethrowLater, promised } = require('./callbacks')
const { askCredentials } = require('./credentials')
const { toError } = require('../shared/errors')
const args = require('./args')
const acks = require('./acks')
const heldAcks = require('./held-acks')
const extras = require('./extras')
const clouds = require('./clouds')
const Outgoing = require('./outgoing')
const packets = require('./packets')
const platform = require('../platform')
const coreLoader = require('../core-loader')

const EV = require('../core/events')

const MAX_DELAY = 0x7fffffff // setTimeout's limit

// Packets a page call or socket input produces wait for the end of the current job, so a
// burst of publishes (a loop, or one per message of a burst received) and the acks of the
// WebSocket messages read in one turn leave as one WebSocket frame instead of one each: the
// per-frame cost (framing, masking, a socket write) dominates small messages. Past this many
// bytes a burst is flushed at once, which bounds the memory held back and sends large
// payloads without delay.
const COALESCE_BYTES = 32768

// The same function args.js hands out for "no callback", so `cb === noop` means exactly that.
const noop = args.noop

const defaultEnv = {
  selectPlatform: (opts) => platform.selectPlatform(opts),
  loadCore: (p) => coreLoader.loadCore(p)
}

class MqttClient extends EventEmitter {
  /**
   * @param {object} opts options as mqtt.connect() merges them (protocol, hostname, port, path, ...)
   * @param {{selectPlatform: Function, loadCore: Function}} [env] where the platform and the core come from
   */
  constructor (opts, env) {
    super()
    if (typeof opts === 'function') {
      throw new TypeError('MqttClient(streamBuilder, options) is not supported: use mqtt.connect(url, options)')
    }
    this.options = extras.check(options.normalise(opts))
    if (!this.options.credentialsProvider) {
      const provider = clouds.providerFor(this.options, () => this._platform)
      if (provider) this.options.credentialsProvider = provider
    }
    this._coreOptions = options.coreOptions(this.options)
    this.log = typeof this.options.log === 'function' ? this.options.log : noop
    this.connected = false
    this.reconnecting = false
    this.disconnecting = false
    this.disconnected = false
    this._env = env || defaultEnv
    this._platform = null
    this._core = null
    this._loadError = null
    this._pending = [] // calls made before the core was ready: {_run(core, now), _fail(err), _connect}
    // op id -> {_kind, _cb, ...}; a Map because ids only grow and every entry is deleted soon
    this._ops = new Map()
    this._timer = null
    this._deadline = -1
    this._sock = null
    this._driving = false
    this._unflushed = 0 // payload + topic bytes of page calls not yet handed to the socket
    this._flushQueued = false
    this._ended = false
    this._endCallbacks = []
    this._deferredReconnect = false
    this._offline = false
    this._unwatch = null
    this._serverIndex = 0
    this._credentialsAttempt = 0
    this._packetEvents = false
    this._hideConnect = !this.options.manualConnect // see packets.emitPacket
    this._inPageCall = false
    // The filters this client asked for (MQTT.js' table, by its name): subscribe() skips one
    // already asked for at this QoS or higher, from the moment it was asked, as MQTT.js does.
    // Not the core's subscription list: that one holds granted filters (from their SUBACK)
    // for resubscribing, and the core has no query for it; this goes once it has one.
    this._resubscribeTopics = {}
    // The core's last ev_topic() answer and its UTF-8 length (see _onMessage).
    this._topic = ''
    this._topicBytes = 0
    this._wellFormedTopic = null // the last topic publish() found free of lone surrogates
    this._outgoing = new Outgoing(this) // outgoingStore, incomingStore, messageIdProvider
    this._boot()
    if (!this.options.manualConnect) this.connect()
  }

  _v5 () {
    return this.options.protocolVersion === 5
  }

  // ---- core lifecycle ------------------------------------------------------

  _boot () {
    // A platform that cannot be used (another runtime's build) fails the load like a missing core.
    Promise.resolve().then(() => {
      this._platform = this._env.selectPlatform(this.options)
      return this._env.loadCore(this._platform)
    }).then((Core) => {
      // Options the core refuses throw here and fail the load (the catch below).
      const core = new Core(this._coreOptions)
      this._core = core
      packets.syncPacketEvents(this)
      this._watch()
      // A page's outgoing store is read into the core before anything connects or publishes.
      this._outgoing._restore(() => this._coreCall((c, now) => this._takePending().forEach((p) => p._run(c, now))))
    }).catch((e) => this._onLoadError(e))
  }

  on (name, fn) {
    super.on(name, fn)
    if (packets.PACKET_EVENTS.includes(name)) packets.syncPacketEvents(this)
    return this
  }

  _onLoadError (err) {
    const e = toError(err)
    this.log('core unavailable: ' + e.message)
    this._loadError = e
    const pending = this._takePending()
    if (extras.reportLoadError) extras.reportLoadError(this, e)
    else this.emit('error', e)
    pending.forEach((p) => p._fail(e))
  }

  /** The calls made before the core was ready, handed over once. */
  _takePending () {
    const pending = this._pending
    this._pending = []
    return pending
  }

  /** Runs `run(core, now)` now, or once the core is ready; `fail(err)` if it never will be. */
  _call (run, fail, isConnect) {
    if (this._core) {
      const outer = this._inPageCall
      this._inPageCall = true
      try {
        this._coreCall(run)
      } finally {
        this._inPageCall = outer
      }
    } else if (this._loadError) {
      defer(fail, this._loadError)
    } else {
      this._pending.push({ _run: run, _fail: fail, _connect: !!isConnect })
    }
  }

  /** Calls into a live core from a socket, timer or lifecycle callback; `batch`: see _drive. */
  _coreCall (fn, batch) {
    const core = this._core
    if (!core) return
    fn(core, Date.now())
    this._drive(batch)
  }

  _watch () {
    if (this._unwatch || !this._platform || typeof this._platform.watchLifecycle !== 'function') return
    const set = (fn) => () => this._coreCall(fn)
    this._unwatch = this._platform.watchLifecycle({
      show: set((c, now) => c.set_suspended(now, false)),
      hide: set((c, now) => c.set_suspended(now, true)),
      online: set((c, now) => c.network_changed(now, true)),
      offline: set((c, now) => c.network_changed(now, false))
    }) || null
  }

  _unwatchLifecycle () {
    const unwatch = this._unwatch
    this._unwatch = null
    if (unwatch) unwatch()
  }

  // ---- drive loop ------------------------------------------------------------

  /**
   * Sends what the core wants sent, dispatches its events, re-arms the timer.
   * Page code called from a listener re-enters here; the outer loop picks up
   * whatever that call queued, so events keep their order. Page calls and `batch` drives
   * (socket input, page acks) send at the end of the job (COALESCE_BYTES).
   */
  _drive (batch) {
    const core = this._core
    if (!core || this._driving) return
    this._driving = true
    const coalesce = (batch || this._inPageCall) && this._unflushed < COALESCE_BYTES
    // Queued before any callback this drive schedules, so a callback finds its bytes sent.
    if (coalesce) this._queueFlush()
    try {
      for (;;) {
        if (!coalesce || this._unflushed >= COALESCE_BYTES) this._flush(core)
        const kind = core.poll_event()
        if (!kind) break
        // A socket is closed or replaced only after it got what the core queued for it;
        // 'connect' finds the resent packets on their way, as before batching.
        if (kind === EV.CLOSE_TRANSPORT || kind === EV.OPEN_TRANSPORT || kind === EV.CONNECTED) this._flush(core)
        try {
          this._dispatch(core, kind)
        } catch (e) {
          rethrowLater(e)
        }
      }
    } finally {
      this._driving = false
    }
    this._arm(this._ended ? -1 : core.poll_timeout())
  }

  _queueFlush () {
    if (this._flushQueued) return
    this._flushQueued = true
    defer(() => {
      this._flushQueued = false
      this._drive()
    })
  }

  /** Hands everything the core queued to the socket (one buffer per flush). */
  _flush (core) {
    this._unflushed = 0
    let bytes
    while ((bytes = core.poll_transmit()) != null) this._send(bytes)
  }

  _arm (deadline) {
    const none = deadline == null || deadline < 0
    if (this._timer && deadline === this._deadline) return
    if (this._timer) clearTimeout(this._timer)
    this._timer = null
    this._deadline = -1
    if (none) return
    this._deadline = deadline
    const delay = Math.min(MAX_DELAY, Math.max(0, deadline - Date.now()))
    this._timer = setTimeout(() => {
      this._timer = null
      this._deadline = -1
      this._coreCall((c, now) => c.handle_timeout(now))
    }, delay)
  }

  _dispatch (core, kind) {
    switch (kind) {
      case EV.OPEN_TRANSPORT: return this._openSocket(core)
      case EV.CLOSE_TRANSPORT: return this._closeSocket()
      case EV.NEED_CREDENTIALS: return askCredentials(this, core)
      case EV.CONNECTED: return this._onConnected(core)
      case EV.MESSAGE: return this._onMessage(core)
      case EV.OP_DONE: return this._onOpDone(core)
      case EV.OP_FAILED: return this._onOpFailed(core)
      case EV.RECONNECTING:
        this._hideConnect = false
        if (this._quietReconnect) {
          this._quietReconnect = false
          return
        }
        this.reconnecting = true
        return this.emit('reconnect')
      case EV.CLOSED: return this._onClosed(core)
      case EV.ERROR: return this._onError(core)
      case EV.SERVER_DISCONNECT: return this.emit('disconnect', withProperties({ cmd: 'disconnect', reasonCode: core.ev_code() }, core))
      case EV.AUTH: return this._onAuth(withProperties({ cmd: 'auth', reasonCode: core.ev_code() }, core))
      case EV.PACKET_SENT:
      case EV.PACKET_RECEIVED: return packets.emitPacket(this, core, kind)
      case EV.OUTGOING_EMPTY: return this.emit('outgoingEmpty')
      case EV.IN_FLIGHT: return this._outgoing._inFlight(core)
      case EV.ENDED: return this._onEnded()
      case EV.DEBUG: return this.log(core.ev_text())
      default: this.log('ignoring unknown core event ' + kind)
    }
  }

  // ---- socket ------------------------------------------------------------------

  _openSocket (core) {
    this._closeSocket()
    const sock = { _transport: null, _error: null }
    this._sock = sock
    const live = () => this._sock === sock
    const o = this.options
    const handlers = {
      open: () => {
        sock._opened = true
        if (live()) this._coreCall((c, now) => { c.transport_opened(now); extras.sendAuthPacket(this.options, c, now) })
      },
      message: (bytes) => {
        if (live()) this._coreCall((c, now) => c.handle_bytes(now, bytes), true)
      },
      error: (err) => {
        if (!live()) return
        sock._error = err
        // Network errors of an open socket surface as 'close', like MQTT.js; a platform error
        // with a `code` is a diagnosis (a text frame: wrong endpoint) the page must see.
        if (sock._opened && err && typeof err.code === 'string') this.emit('error', err)
      },
      close: (code, reason) => {
        if (!live()) return
        this._sock = null
        const why = reason || (sock._error && sock._error.message) || ''
        // A socket that never opened is a failed attempt the page must hear about (MQTT.js
        // emits ECONNREFUSED and the like); a dropped connection is reported by 'close'.
        if (!sock._opened && sock._error) this.emit('error', connectionFailed(String(why), sock._url, this._platform, sock._error))
        // The core takes only the fact: what it does next (retry, give up) does not depend on
        // the close code or reason, which only the page's error above reports.
        this._coreCall((c, now) => c.transport_closed(now))
      }
    }
    try {
      const socketOptions = {
        protocols: [o.protocolId === 'MQIsdp' && o.protocolVersion === 3 ? 'mqttv3.1' : 'mqtt'],
        headers: o.wsOptions && o.wsOptions.headers,
        wsOptions: o.wsOptions
      }
      // Prepared by askCredentials (none in tests that open without asking).
      sock._url = this._url || url.nextUrl(this)
      this._url = null
      sock._transport = this._platform.openSocket(sock._url, socketOptions, handlers)
    } catch (e) {
      // A bad URL or a platform refusal (no socket API, too many sockets) is a
      // failed attempt; unlike a refused connection the page must hear why.
      if (live()) {
        this._dropSocket(core)
        this.emit('error', toError(e))
      }
    }
  }

  _send (bytes) {
    const sock = this._sock
    if (!sock || !sock._transport) return
    try {
      sock._transport.send(bytes)
    } catch (e) {
      this._dropSocket(this._core)
      try {
        sock._transport.close()
      } catch (ignored) {}
    }
  }

  /** Forgets a socket that failed outside its own events (opening, sending) and tells the core. */
  _dropSocket (core) {
    this._sock = null
    core.transport_closed(Date.now())
  }

  /** Closes and forgets the current socket; its late events are ignored. */
  _closeSocket () {
    const sock = this._sock
    this._sock = null
    heldAcks.stopHolding(this)
    if (sock && sock._transport) {
      try {
        sock._transport.close(1000, '')
      } catch (e) {
        this.log('socket close failed: ' + (e && e.message))
      }
    }
  }

  // ---- events ------------------------------------------------------------------------

  _onConnected (core) {
    const code = core.ev_code()
    const connack = {
      cmd: 'connack',
      retain: false,
      qos: 0,
      dup: false,
      length: 2,
      topic: null,
      payload: null,
      sessionPresent: !!core.ev_session_present()
    }
    if (this._v5()) {
      delete connack.length // its properties' size is not known here
      connack.reasonCode = code
      withProperties(connack, core)
    } else {
      connack.returnCode = code
    }
    this.connected = true
    this.reconnecting = false
    this.disconnected = false
    this._offline = false
    acks.sync(this, core)
    this.emit('connect', connack)
    heldAcks.release(this)
  }

  _onMessage (core) {
    // One call for the small fields, and the topic string only when it changed: each
    // getter is a JS/wasm crossing and a topic a UTF-8 decode (docs/core-interface.md).
    const flags = core.ev_flags()
    if (!(flags & EV.FLAG_SAME_TOPIC)) {
      this._topic = core.ev_topic()
      this._topicBytes = utf8.byteLength(this._topic)
    }
    const topic = this._topic
    const qos = flags & EV.FLAG_QOS
    const message = payload.toPayload(core.ev_payload())
    const packet = {
      cmd: 'publish',
      retain: (flags & EV.FLAG_RETAIN) !== 0,
      qos,
      dup: (flags & EV.FLAG_DUP) !== 0,
      length: 2 + this._topicBytes + (qos > 0 ? 2 : 0) + message.length,
      // MQTT.js leaves the topic of a PUBLISH that named it by an alias alone empty.
      topic: flags & EV.FLAG_TOPIC_FROM_ALIAS ? '' : topic,
      payload: message
    }
    if (qos > 0) packet.messageId = flags >>> EV.MESSAGE_ID_SHIFT
    if (this._v5()) {
      delete packet.length
      withProperties(packet, core)
    }
    acks.deliver(this, core, topic, message, packet)
  }

  /**
   * Calls an operation's callback exactly once, never inside the page's own call (callbacks
   * stay asynchronous like MQTT.js'); an error nobody asked a callback for goes to 'error'.
   */
  _complete (cb, ...args) {
    // A success nobody asked to hear of (most QoS 0 publishes) schedules nothing.
    if (cb === noop && !(args[0] instanceof Error)) return
    const run = cb === noop
      ? () => { if (args[0] instanceof Error) this.emit('error', args[0]) }
      : () => cb.apply(null, args)
    if (this._inPageCall) defer(run)
    else run()
  }

  /** The entry of the current event's op, removed; undefined for an op that has none. */
  _takeOp (id) {
    const op = this._ops.get(id)
    if (op) this._ops.delete(id)
    return heldAcks.take(this, op)
  }

  _onOpDone (core) {
    // No entry: a quiet QoS 0 publish (always a success here) or the core's own op 0.
    const op = this._takeOp(core.ev_op())
    if (!op) return
    const code = core.ev_code()
    const messageId = core.ev_message_id()
    this._outgoing._finished(op, messageId)
    if (op._kind === 'publish') {
      if (messageId) op._packet.messageId = messageId
      if (code >= 0x80) return this._complete(op._cb, refusal('Publish error', code), op._packet)
      if (op._packet.qos > 0) return this._complete(op._cb, null, op._packet)
      // Done once written: called now (a socket drive), it finds the packet handed over.
      if (!this._inPageCall) this._flush(core)
      return this._complete(op._cb)
    }
    const codes = Array.from(core.ev_codes() || [])
    const ack = withProperties({ cmd: op._kind === 'subscribe' ? 'suback' : 'unsuback', granted: codes }, core)
    if (op._kind === 'unsubscribe') return this._complete(op._cb, null, ack)
    const granted = op._subs.map((sub, i) => {
      const g = Object.assign({}, sub, { qos: codes[i] === undefined ? 0x80 : codes[i] })
      if (g.qos & 0x80) delete this._resubscribeTopics[sub.topic]
      return g
    })
    // MQTT.js 5: a v5 failure code is an error (with granted and the SUBACK); 3.1.1's 0x80
    // is reported in granted only, as MQTT.js 4 does.
    const refused = this._v5() ? codes.find((c) => c >= 0x80) : undefined
    this._complete(op._cb, refused === undefined ? null : refusal('Subscribe error', refused), granted, ack)
  }

  _onOpFailed (core) {
    const id = core.ev_op()
    const op = this._takeOp(id)
    const code = core.ev_code()
    const text = core.ev_text() || 'Operation failed'
    const err = code >= 0x80 ? refusal(text, code) : coreError(text)
    if (!code && core.ev_error_name()) err.code = core.ev_error_name()
    // No entry: a quiet publish, or op 0, the core's own resubscription (a filter the
    // broker's Maximum Packet Size cannot carry): the page hears of it through 'error'.
    if (!op) return this._complete(noop, err)
    this._outgoing._finished(op, 0)
    if (op._kind === 'subscribe') op._subs.forEach((s) => delete this._resubscribeTopics[s.topic])
    // A v5 refusal of a publish: MQTT.js passes the PUBACK/PUBREC as well.
    const ack = op._kind === 'publish' && code >= 0x80 && { cmd: op._packet.qos === 1 ? 'puback' : 'pubrec', messageId: core.ev_message_id(), reasonCode: code }
    this._complete(op._cb, err, ack || undefined)
  }

  _onClosed (core) {
    const wasConnected = !!core.ev_code()
    this.connected = false
    this.emit('close')
    // MQTT.js emits 'offline' once when it starts trying again, even if it
    // never connected, and not when reconnecting is disabled or given up.
    const retrying = core.reconnecting() || (wasConnected && this.options.reconnectPeriod > 0)
    if (!this.disconnecting && !this._offline && retrying) {
      this._offline = true
      this.reconnecting = true
      this.emit('offline')
    }
  }

  _onError (core) {
    const code = core.ev_code()
    const name = core.ev_error_name()
    const text = core.ev_text() || 'MQTT error'
    // A refused CONNACK carries its return/reason code in err.code, as in
    // MQTT.js; other failures name their kind ('keepalive_timeout', ...).
    const refused = name === 'connection_refused'
    const err = refused ? refusal(text, code) : coreError(text)
    // With MQTT.js' message, MQTT.js' code: the reason of our DISCONNECT.
    if (!refused) err.code = err.hint ? code : name || code
    // Errors that stop reconnecting (refusal, client id taken, attempts exhausted) end the
    // 'reconnecting' state MQTT.js pages poll.
    this.reconnecting = core.reconnecting()
    this.emit('error', err)
  }

  _onAuth (packet) {
    this.handleAuth(packet, (err, answer) => {
      if (err) return this.emit('error', err)
      if (answer) {
        this._coreCall((c, now) => c.send_auth(now, answer.reasonCode || 0, options.coreProperties(answer.properties)))
      }
    })
  }

  _onEnded () {
    this._ended = true
    this.connected = false
    this.reconnecting = false
    this.disconnected = true
    this._closeSocket()
    this._unwatchLifecycle()
    this._arm(-1)
    // 'end' and end()'s callback come after end() returned, as in MQTT.js.
    if (this._inPageCall) defer(() => this._finishEnd())
    else this._finishEnd()
  }

  _finishEnd () {
    // As MQTT.js: the stores are closed, then 'end', then end()'s callbacks with their error.
    this._outgoing._close((err) => {
      const callbacks = this._endCallbacks.splice(0)
      this.emit('end')
      callbacks.forEach((done) => done(err))
    })
    const deferred = this._deferredReconnect
    this._deferredReconnect = false
    if (deferred) this.reconnect(deferred._opts)
    else if (!this.options.reconnectPeriod || this.options.manualConnect) {
      // As MQTT.js: only a client that would not reconnect by itself stops 'disconnecting'.
      this.disconnecting = false
    }
  }

  // ---- public API ------------------------------------------------------------------

  /** Starts connecting (done by the constructor unless `manualConnect`). */
  connect () {
    // After end() it connects again, as MQTT.js' connect() does, without a 'reconnect' event.
    if (this._ended) {
      this._quietReconnect = true
      return this.reconnect(this.options)
    }
    this._call((core, now) => core.connect(now), noop, true)
    return this
  }

  /** Starts a SUBSCRIBE or UNSUBSCRIBE; `subs` (a subscribe's filters) are kept for granted. */
  _startOp (kind, cb, run, subs) {
    this._call((core, now) => {
      const messageId = this._outgoing._requestId()
      this._ops.set(run(core, now, messageId), { _kind: kind, _cb: cb, _subs: subs, _messageId: messageId })
    }, cb)
  }

  _refuse (cb, err) {
    if (cb !== noop) defer(cb, err)
    else this.emit('error', err)
    return this
  }

  /** {opts, cb} of a publish/subscribe/unsubscribe call; null (the call refused) once end() was called. */
  _args (opts, callback) {
    const a = args.optsAndCallback(opts, callback)
    if (!this.disconnecting) return a
    this._refuse(a._cb, new Error('client disconnecting'))
    return null
  }

  /** The call's MQTT 5 properties as the core takes them; none for 3.1.1. */
  _props (opts) {
    return this._v5() && opts ? options.coreProperties(opts.properties) : undefined
  }

  /**
   * publish(topic, message, [opts], [callback])
   * @returns {MqttClient}
   */
  publish (topic, message, opts, callback) {
    const a = this._args(opts, callback)
    if (!a) return this
    const o = Object.assign({ qos: 0, retain: false, dup: false }, a._opts)
    const cb = a._cb
    if (typeof topic !== 'string') return this._refuse(cb, new Error('Invalid topic: publish() needs a string topic'))
    // Pages publish to a few topics over and over: check a topic only when it changes.
    if (topic !== this._wellFormedTopic) {
      if (!args.wellFormed(topic)) return this._refuse(cb, new Error('Invalid topic: an unpaired UTF-16 surrogate cannot be sent as UTF-8'))
      this._wellFormedTopic = topic
    }
    const bytes = payload.toBytes(message)
    if (!bytes) {
      return this._refuse(cb, new TypeError('Invalid message: publish() takes ' + payload.PAYLOAD_TYPES + ', not ' +
        (Array.isArray(message) ? 'an array' : typeof message)))
    }
    const qos = o.qos
    if (!args.validQos(qos)) return this._refuse(cb, new Error('Invalid QoS ' + qos + ': use 0, 1 or 2'))
    const props = this._props(o)
    const retain = !!o.retain
    const dup = !!o.dup
    // A QoS 0 publish without a callback (the common stream) has nothing to hear back but a
    // failure, which _onOpFailed reports as 'error' without an entry: no entry, no packet.
    // (A QoS 1/2 one keeps its entry: a PUBACK/PUBREC error code is reported from it.)
    const quiet = cb === noop && qos === 0
    const packet = quiet ? null : { cmd: 'publish', topic, payload: message, qos, retain, dup }
    if (packet && props) packet.properties = o.properties
    const run = (core, now) => {
      const idFlags = this._outgoing._idFlags(qos, () => this._coreCall(run), o.cbStorePut)
      if (idFlags === null) return
      this._unflushed += bytes.length + topic.length
      const id = core.publish(now, topic, bytes, qos, retain, dup, props, idFlags)
      if (!quiet) this._ops.set(id, { _kind: 'publish', _cb: cb, _packet: packet, _storePut: o.cbStorePut, _messageId: idFlags >>> 16 })
    }
    this._call(run, cb)
    return this
  }

  /**
   * subscribe(topic | topic[] | {topic: {qos, nl, rap, rh}}, [opts], [callback])
   * callback(err, granted [{topic, qos}], suback)
   */
  subscribe (topicObject, opts, callback) {
    const a = this._args(opts, callback)
    if (!a) return this
    const cb = a._cb
    const v5 = this._v5()
    const parsed = args.subscriptions(topicObject, a._opts, v5)
    if (parsed._error) return this._refuse(cb, new Error('Invalid topic ' + parsed._error))
    // Like MQTT.js: a topic already subscribed at this QoS or higher is not sent again.
    const subs = parsed._subs.filter((s) => {
      const known = this._resubscribeTopics[s.topic]
      return !known || known.qos < s.qos
    })
    if (subs.length === 0) {
      defer(cb, null, [])
      return this
    }
    if (this.options.resubscribe && this.options.reconnectPeriod > 0) {
      subs.forEach((s) => { this._resubscribeTopics[s.topic] = { qos: s.qos } })
    }
    const props = this._props(a._opts)
    for (const [chunk, chunkCb] of extras.batches(this.options.subscribeBatchSize, subs, cb)) {
      // 3.1.1 subscriptions have no v5 options: the core defaults them (src/wasm/convert.rs filters).
      this._startOp('subscribe', chunkCb, (core, now, id) => core.subscribe(now, chunk, props, id), chunk)
    }
    return this
  }

  /** unsubscribe(topic | topic[], [opts], [callback]); callback(err, unsuback) */
  unsubscribe (topic, opts, callback) {
    const a = this._args(opts, callback)
    if (!a) return this
    const cb = a._cb
    const topics = typeof topic === 'string' ? [topic] : topic
    const bad = args.invalidTopicList(topics)
    if (bad) return this._refuse(cb, new Error('Invalid topic ' + bad))
    topics.forEach((t) => delete this._resubscribeTopics[t])
    const props = this._props(a._opts)
    this._startOp('unsubscribe', cb, (core, now, id) => core.unsubscribe(now, topics.slice(), props, id))
    return this
  }

  /**
   * end([force], [opts {reasonCode, properties}], [callback]): waits for
   * in-flight messages unless `force`; emits 'end' then calls back.
   */
  end (force, opts, cb) {
    const a = args.endArgs(force, opts, cb)
    if (this._ended) {
      defer(a._cb)
      return this
    }
    // A second end() while the first is under way is answered at once, as MQTT.js does.
    if (this.disconnecting) return a._cb() || this
    this._endCallbacks.push(a._cb)
    this.disconnecting = true
    this._deferredReconnect = false
    // end(true) keeps QoS 1/2 messages for a reconnect() unless clean and not reconnecting (MQTT.js).
    const keep = a._force && !(this.options.clean && this.options.reconnectPeriod === 0) ? 0x100 : 0
    heldAcks.hold(this, keep)
    // From a handler before any publish of this job: the acks of what the page saw leave (decisions.md).
    if (a._force && this._driving && !this._unflushed) this._flush(this._core)
    // Nothing connects once the page asked to end before the core was ready.
    this._pending = this._pending.filter((p) => !p._connect)
    this._call((core, now) => {
      const refused = core.end(now, a._force, a._reasonCode | keep, this._props(a._opts))
      if (refused) defer(() => this.emit('error', new Error('end: ' + refused)))
    }, () => {
      this._ended = true
      this.disconnected = true
      this._finishEnd()
    })
    return this
  }

  /** Connects again, reviving an ended client with the QoS 1/2 messages end() kept; as MQTT.js,
   * with the stores of `opts` ({incomingStore, outgoingStore}), else fresh in-memory ones. */
  reconnect (opts) {
    if (this.disconnecting && !this._ended) {
      this._deferredReconnect = { _opts: opts }
      return this
    }
    this._outgoing._useStores(opts, this.options)
    if (this._ended) {
      this._ended = false
      this.disconnecting = false
      this.disconnected = false
      this._offline = false
      if (this._core) this._watch()
    }
    this._outgoing._restore(() => this._call((core, now) => core.reconnect(now), noop))
    return this
  }

  /** Drops an in-flight QoS 1/2 publish; its callback gets Error('Message removed'). */
  removeOutgoingMessage (messageId) {
    this._call((core, now) => core.remove_outgoing(now, messageId), noop)
    return this
  }

  /** The message id given to the last packet that needed one, or null. */
  getLastMessageId () {
    return this._outgoing._lastId(this._core)
  }

  /** Hook for MQTT 5 AUTH packets: callback(err, {reasonCode, properties}) to answer. */
  handleAuth (packet, callback) {
    callback()
  }

  publishAsync (topic, message, opts) {
    return promised((cb) => this.publish(topic, message, opts || {}, cb))
  }

  subscribeAsync (topicObject, opts) {
    return promised((cb) => this.subscribe(topicObject, opts || {}, cb))
  }

  unsubscribeAsync (topic, opts) {
    return promised((cb) => this.unsubscribe(topic, opts || {}, cb))
  }

  endAsync (force, opts) {
    return promised((cb) => this.end(!!force, opts || {}, cb))
  }
}

function withProperties (packet, core) {
  const props = core.ev_properties()
  if (props) packet.properties = props
  return packet
}

MqttClient.prototype.handleMessage = acks.handleMessage
MqttClient.prototype.addListener = MqttClient.prototype.on
module.exports = MqttClient
