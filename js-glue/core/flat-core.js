'use strict'
/**
 * The `Core` class the client drives, over the wasm module's flat exports (src/wasm/mod.rs,
 * docs/core-interface.md). Only numbers cross: strings and bytes are written into linear
 * memory through `mq_alloc`, slices come back as a pointer with the length in the core's
 * out-slot (two u32s: one packed float would lose bits past 2^53), options and
 * the page's properties travel as records (./record.js), the broker's properties as their
 * MQTT section (./properties.js). The same code drives the wasm2js fallback,
 * whose exports look like a wasm instance's.
 */
const utf8 = require('../shared/utf8')
const record = require('./record')
const propertySection = require('./properties')
const { FLAG_SESSION_PRESENT } = require('./events')
const { INPUT_IN_PLACE, KEPT_PAYLOADS } = require('../build-flags')

const TWO_32 = 4294967296
// Payloads from this size stay in JS, where the page put them (src/engine/transmit.rs
// SPLICE_MIN, from which the core splices a payload into the flush rather than copying it):
// the core knows them by a handle, and each is copied once, into the bytes the socket sends.
const KEEP_FROM = 1024
const KEPT = 128 // mq_publish flag: `payload` is a handle
const MISMATCH = 'mpmqtt: mqtt.wasm lacks a function mqtt.min.js calls (files of two versions?)'

/**
 * The functions the core imports (module "./mpmqtt_bg.js"), given a way to reach its exports
 * once instantiated.
 * @param {() => object} exports
 */
function coreImports (exports) {
  return {
    // Large payload copies: the MVP build has no memory.copy instruction.
    mq_copy (dst, src, len) {
      new Uint8Array(exports().memory.buffer).copyWithin(dst, src, src + len)
    }
  }
}

/**
 * @param {object} wasm  the instance's exports
 * @returns {Function} the Core class bound to that instance
 */
function coreClass (wasm) {
  let view = new Uint8Array(wasm.memory.buffer)
  // A grown memory has a new buffer, and views of the old one read as empty.
  const mem = () => view.buffer === wasm.memory.buffer ? view : (view = new Uint8Array(wasm.memory.buffer))

  /**
   * Copies `bytes` into a fresh core buffer, or where `at` says; 0 for none. Ownership passes
   * to the call.
   */
  const put = (bytes, at) => {
    if (!bytes.length) return 0
    // Pointers come back as i32: past 2 GiB of memory they read negative.
    const ptr = (at ? at(bytes.length) : wasm.mq_alloc(bytes.length)) >>> 0
    if (!ptr) throw new Error('mpmqtt: the core is out of memory')
    mem().set(bytes, ptr)
    return ptr
  }
  /** A record's pointer and length; [0, 0] (the core reads "none") for null or undefined. */
  const putRecord = (value) => {
    if (value == null) return [0, 0]
    const bytes = record.encode(value)
    return [put(bytes), bytes.length]
  }
  let propertyNames = null // the core's table, read at the first properties
  const properties = (b, start, end) => {
    propertyNames = propertyNames || propertySection.byIdentifier(textOf(wasm.mq_property_names()))
    return propertySection.decode(b, start, end, propertyNames)
  }
  if (typeof wasm.mq_out_slot !== 'function') throw new Error(MISMATCH)
  const outSlot = wasm.mq_out_slot() >>> 0
  /** The length of the slice the core returned last (a little-endian u32 in its memory). */
  const outLen = () => {
    const m = mem()
    return (m[outSlot] | m[outSlot + 1] << 8 | m[outSlot + 2] << 16 | m[outSlot + 3] << 24) >>> 0
  }
  /** A copy of the bytes of the slice an export just returned (its pointer). */
  const bytesOf = (ptr) => {
    ptr >>>= 0
    return mem().slice(ptr, ptr + outLen())
  }
  const textOf = (ptr) => {
    ptr >>>= 0
    return ptr ? utf8.decode(mem(), ptr, ptr + outLen()) : ''
  }

  const registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((handle) => wasm.mq_free(handle))
    : null

  // Last published topic and its bytes: a stream usually repeats one topic.
  let lastTopic = ''
  let lastTopicBytes = new Uint8Array(0)

  class Core {
    /** @param {object} options  docs/core-interface.md; throws naming the bad field */
    constructor (options) {
      const [ptr, len] = putRecord(options)
      const seed = () => (Math.random() * TWO_32) >>> 0
      const handle = wasm.mq_new(ptr, len, seed(), seed())
      if (handle < 0) throw new Error(textOf(-handle))
      this._h = handle
      this._input = null // the last handle_bytes buffer and where its copy went
      this._inputPtr = 0
      if (registry) registry.register(this, handle, this)
    }

    /** Releases the core now rather than when the object is collected. */
    free () {
      if (!this._h) return
      if (registry) registry.unregister(this)
      wasm.mq_free(this._h)
      this._h = 0
    }

    /** @param {Uint8Array} bytes  one WebSocket message */
    handle_bytes (now, bytes) {
      this._input = bytes
      if (!INPUT_IN_PLACE) {
        // A core whose frames take no bytes in place (the WeChat one): a buffer of its own.
        this._inputPtr = put(bytes)
        return wasm.mq_handle_bytes(this._h, now, this._inputPtr, bytes.length)
      }
      // Into the core's buffer of a packet arriving in pieces when there is one (copied once);
      // the first 5 bytes show the core the length of a packet they start. The core takes
      // fewer bytes there when they end one packet and start another: the rest goes next (the
      // last part, always taken whole, is what `_input` describes when events are read).
      for (let at = 0, n; at < bytes.length; at += n) {
        const b = this._input = at ? bytes.subarray(at) : bytes
        const ptr = this._inputPtr = wasm.mq_input_buffer(this._h, b.length, b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24, b[4] | 0) >>> 0
        if (!ptr) throw new Error('mpmqtt: the core is out of memory')
        n = outLen()
        mem().set(n < b.length ? b.subarray(0, n) : b, ptr)
        wasm.mq_handle_bytes(this._h, now, ptr, n)
      }
    }

    /** @returns {Uint8Array|undefined} bytes for the socket */
    poll_transmit () {
      const total = wasm.mq_poll_transmit(this._h) >>> 0
      if (!total) {
        if (KEPT_PAYLOADS) this._release()
        return undefined
      }
      // Packets with large payloads between them, each piece where it already is in memory
      // (a payload kept in JS where the page put it): copied once, into the bytes the socket sends.
      const out = new Uint8Array(total)
      for (let i = 0, at = 0; at < total; i++) {
        const ptr = wasm.mq_transmit_piece(this._h, i) >>> 0
        const len = outLen()
        if (KEPT_PAYLOADS && !ptr && len) {
          const [payload, n] = this._kept.get(len)
          // A page that shrank its buffer since (detached, resized) sends zeros, not a broken stream.
          out.set(payload.length === n ? payload : payload.subarray(0, n), at)
          at += n
          continue
        }
        out.set(mem().subarray(ptr, ptr + len), at)
        at += len
      }
      wasm.mq_transmitted(this._h)
      if (KEPT_PAYLOADS) this._release()
      return out
    }

    /**
     * @param {number} [idFlags] packet id flags (src/wasm/mod.rs mq_publish): 16 the core
     *   picks the id now, the page's id << 16, 32 restore a stored packet (64: a PUBREL)
     * @returns {number} the operation id (a restore: 0 when not restored)
     */
    publish (now, topic, payload, qos, retain, dup, properties, idFlags) {
      if (topic !== lastTopic) {
        lastTopicBytes = utf8.encode(topic)
        lastTopic = topic
      }
      const props = putRecord(properties)
      // A large payload is not copied here but kept by reference, as MQTT.js keeps the page's
      // Buffer: a page changing it before it is sent changes what is sent (docs/performance.md).
      const kept = KEPT_PAYLOADS && payload.length >= KEEP_FROM ? KEPT : 0
      return wasm.mq_publish(this._h, now, put(lastTopicBytes), lastTopicBytes.length,
        kept ? this._keep(payload) : put(payload), payload.length,
        qos | (retain ? 4 : 0) | (dup ? 8 : 0) | kept | idFlags, props[0], props[1]) >>> 0
    }

    /** @param {number} [messageId]  the page's packet id (0: the core's) */
    subscribe (now, filters, properties, messageId) {
      const [ptr, len] = putRecord({ filters, properties })
      return wasm.mq_subscribe(this._h, now, ptr, len, messageId) >>> 0
    }

    unsubscribe (now, topics, properties, messageId) {
      const [ptr, len] = putRecord({ topics, properties })
      return wasm.mq_unsubscribe(this._h, now, ptr, len, messageId) >>> 0
    }

    /** @param {string|Uint8Array|undefined} password */
    provide_credentials (now, username, password, clientId) {
      const [ptr, len] = putRecord({ username, password, clientId })
      wasm.mq_provide_credentials(this._h, now, ptr, len)
    }

    credentials_failed (now, message) {
      const bytes = utf8.encode(String(message))
      wasm.mq_credentials_failed(this._h, now, put(bytes), bytes.length)
    }

    send_auth (now, reasonCode, properties) {
      const [ptr, len] = putRecord(properties)
      return wasm.mq_send_auth(this._h, now, reasonCode, ptr, len) !== 0
    }

    /** @returns {string} '' or why the DISCONNECT properties were refused (the client ends without them) */
    /** `flags`: the reason code, bit 8 "keep the outgoing session" (src/wasm/mod.rs mq_end). */
    end (now, force, flags, properties) {
      const [ptr, len] = putRecord(properties)
      return textOf(wasm.mq_end(this._h, now, force, flags, ptr, len))
    }

    message_handled (now, messageId, acknowledge, reasonCode) {
      // The core now decodes bytes that waited behind the held message, which the last
      // handle_bytes buffer no longer describes: their payloads are copied (see ev_payload).
      this._input = null
      wasm.mq_message_handled(this._h, now, messageId, acknowledge, reasonCode)
    }

    // ---- events (the one polled last); the plain getters are added below ----
    ev_session_present () { return (wasm.mq_ev_flags(this._h) & FLAG_SESSION_PRESENT) !== 0 }
    /**
     * The payload as a view of the socket message it arrived in, when it lies inside the
     * copy of that message the core adopted; otherwise (a packet split across messages) a
     * copy. Sound because a payload keeps its decode buffer alive until the next event: a
     * range inside the last message's copy is either that copy, adopted unchanged (the core
     * never writes into received bytes), or a buffer allocated while that copy was alive,
     * hence elsewhere. The view spares an allocation and a copy per message.
     */
    ev_payload () {
      const ptr = wasm.mq_ev_payload(this._h) >>> 0
      const at = ptr - this._inputPtr
      const len = outLen()
      const input = this._input
      if (input && len && at >= 0 && at + len <= input.length) return input.subarray(at, at + len)
      return mem().slice(ptr, ptr + len)
    }

    /** @returns {object|undefined} v5 properties with MQTT.js names */
    ev_properties () {
      const ptr = wasm.mq_ev_properties(this._h) >>> 0
      if (!ptr) return undefined
      return properties(mem(), ptr, ptr + outLen())
    }

    /**
     * PACKET_SENT / PACKET_RECEIVED: the packet as MQTT.js shows it, read by `decode`
     * (./record.js `decode`, passed in so a build whose core describes no packet ships none).
     * @param {Function} decode
     * @param {(bytes: Uint8Array) => *} bytes  payloads (and binary passwords) as the page gets them
     */
    ev_packet (decode, bytes) {
      const packet = decode(mem(), wasm.mq_ev_packet(this._h) >>> 0, properties, bytes)
      if (KEPT_PAYLOADS && packet && packet.cmd === 'publish' && !wasm.mq_ev_payload(this._h) && outLen()) {
        // A payload kept in JS (the record has it empty): a view of the bytes sent.
        packet.payload = bytes(this._kept.get(outLen())[0].subarray(0))
      }
      return packet
    }
  }
  if (KEPT_PAYLOADS) {
    Object.assign(Core.prototype, {
      /** A handle (1 to 2^31 - 1) for `payload`, kept until the core releases it. */
      _keep (payload) {
        const kept = this._kept || (this._kept = new Map()) // handle → [payload, its length at publish()]
        let h = this._lastHandle || 0
        do h = h % 0x7fffffff + 1
        while (kept.has(h))
        this._lastHandle = h
        kept.set(h, [payload, payload.length])
        return h
      },
      /** Lets go of the payloads the core no longer needs (src/engine/external.rs). */
      _release () {
        if (!this._kept || !this._kept.size) return
        const ptr = wasm.mq_released(this._h) >>> 0
        const end = ptr + outLen()
        const m = mem()
        for (let p = ptr; p < end; p += 4) this._kept.delete((m[p] | m[p + 1] << 8 | m[p + 2] << 16 | m[p + 3] << 24) >>> 0)
      }
    })
  }
  // Calls that pass their arguments straight through, grouped by what the result becomes
  // (the handle goes first). Written out rather than built from a list of names, so the
  // bundle can give these methods short names (scripts/bundle.js, coreMethodNames).
  const passThrough = (calls, result) => Object.keys(calls).forEach((name) => {
    const call = calls[name]
    if (typeof call !== 'function') throw new Error(MISMATCH)
    Core.prototype[name] = function (a, b, c) { return result(call(this._h, a, b, c)) }
  })
  const same = (r) => r
  passThrough({
    connect: wasm.mq_connect,
    reconnect: wasm.mq_reconnect,
    transport_opened: wasm.mq_transport_opened,
    transport_closed: wasm.mq_transport_closed,
    handle_timeout: wasm.mq_handle_timeout,
    set_suspended: wasm.mq_set_suspended,
    network_changed: wasm.mq_network_changed,
    set_packet_events: wasm.mq_set_packet_events,
    set_page_acks: wasm.mq_set_page_acks,
    poll_timeout: wasm.mq_poll_timeout,
    poll_event: wasm.mq_poll_event,
    last_message_id: wasm.mq_last_message_id,
    ev_message_id: wasm.mq_ev_message_id
  }, same)
  // u32 comes back as i32
  passThrough({ ev_op: wasm.mq_ev_op, ev_code: wasm.mq_ev_code, ev_flags: wasm.mq_ev_flags }, (r) => r >>> 0)
  passThrough({ remove_outgoing: wasm.mq_remove_outgoing, reconnecting: wasm.mq_reconnecting }, (r) => r !== 0)
  passThrough({ ev_error_name: wasm.mq_ev_error_name, ev_text: wasm.mq_ev_text, ev_topic: wasm.mq_ev_topic }, textOf)
  passThrough({ ev_codes: wasm.mq_ev_codes }, bytesOf)
  return Core
}

module.exports = { coreClass, coreImports }
