//! The JS face of the engine (docs/core-interface.md): a flat ABI of numbers. Strings, bytes
//! and the rare structured values (options, v5 properties) cross as bytes in linear memory —
//! structured ones as records (record.rs) — so the boundary needs no JS shims, creates no JS
//! object per packet, and the same exports serve the wasm2js fallback unchanged.
//!
//! Conventions the glue (js-glue/core/flat-core.js) relies on:
//! - A buffer the glue fills comes from `mq_alloc(len)`; the call it is passed to owns it.
//! - A slice going out is its pointer (0 for an empty slice), with its length in the out-slot
//!   whose address `mq_out_slot` gives: two plain u32 values, never one packed number (an f64
//!   holds 53 bits, a pointer and a length need 64; no i64 at the boundary: MVP/iOS). Both are
//!   valid until the next call into the core.
//! - `now` is the page's clock in ms; randomness (the reconnect jitter seed) is a parameter.

#[cfg(feature = "clouds")]
mod clouds;
mod convert;
mod packet_record;
mod record;

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::engine::{Event, ExternalPayload, OpError, Piece, Session};
use record::Value;

/// Event kinds returned by `poll_event` (0 = none).
mod kind {
    pub const OPEN_TRANSPORT: u32 = 1;
    pub const CLOSE_TRANSPORT: u32 = 2;
    pub const NEED_CREDENTIALS: u32 = 3;
    pub const CONNECTED: u32 = 4;
    pub const MESSAGE: u32 = 5;
    pub const OP_DONE: u32 = 6;
    pub const OP_FAILED: u32 = 7;
    pub const RECONNECTING: u32 = 8;
    pub const CLOSED: u32 = 9;
    pub const ERROR: u32 = 10;
    pub const SERVER_DISCONNECT: u32 = 11;
    pub const AUTH: u32 = 12;
    pub const PACKET_SENT: u32 = 13;
    pub const PACKET_RECEIVED: u32 = 14;
    pub const OUTGOING_EMPTY: u32 = 15;
    pub const ENDED: u32 = 16;
    pub const DEBUG: u32 = 17;
    pub const IN_FLIGHT: u32 = 18;
}

pub struct Core {
    session: Session,
    current: Option<Event>,
    /// The topic `mq_ev_topic` last returned: `mq_ev_flags` tells the glue when the current
    /// message repeats it, so the glue reuses its string instead of decoding the bytes again
    /// (most streams publish to a handful of topics).
    last_topic: String,
    /// The property section `mq_ev_properties` last wrote; kept so the slice stays valid for
    /// the glue.
    properties: Vec<u8>,
    /// The last `mq_input_buffer` gave room inside the decoder's incomplete frame.
    input_in_frame: bool,
    /// The handles `mq_released` last returned; kept so the slice stays valid for the glue.
    released: Vec<u32>,
}

fn ms(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

/// The length of the slice an export returned last (see `out`). An atomic only to be a safe
/// static: the core runs on one thread, and without the atomics feature it compiles to a plain
/// load and store.
static OUT_LEN: AtomicU32 = AtomicU32::new(0);

/// A slice going out: its pointer as the result, its length in the out-slot.
fn out(bytes: &[u8]) -> u32 {
    OUT_LEN.store(bytes.len() as u32, Ordering::Relaxed);
    if bytes.is_empty() {
        0
    } else {
        bytes.as_ptr() as usize as u32
    }
}

/// Where the glue reads the length of every slice an export returns (a little-endian u32 in
/// linear memory): read once, it never moves.
#[no_mangle]
pub extern "C" fn mq_out_slot() -> u32 {
    OUT_LEN.as_ptr() as usize as u32
}

/// Takes back a buffer `mq_alloc` handed out.
///
/// # Safety
/// `ptr`/`len` come from one `mq_alloc(len)` call and are passed here once.
unsafe fn adopt(ptr: *mut u8, len: usize) -> Vec<u8> {
    if len == 0 || ptr.is_null() {
        Vec::new()
    } else {
        Vec::from_raw_parts(ptr, len, len)
    }
}

/// Space for the glue to write `len` bytes into; 0 when `len` is 0 or memory ran out.
#[no_mangle]
pub extern "C" fn mq_alloc(len: usize) -> *mut u8 {
    match core::alloc::Layout::from_size_align(len, 1) {
        // SAFETY: the layout has a non-zero size.
        Ok(layout) if len > 0 => unsafe { alloc::alloc::alloc(layout) },
        _ => core::ptr::null_mut(),
    }
}

/// A new core for the options record, as a handle (> 0); or, when the options are wrong, the
/// message as a negated slice pointer (`-out(text)`, its length in the out-slot).
///
/// # Safety
/// `opts`/`len` come from `mq_alloc`.
#[no_mangle]
pub unsafe extern "C" fn mq_new(opts: *mut u8, len: usize, seed_lo: u32, seed_hi: u32) -> f64 {
    let record = adopt(opts, len);
    let seed = (seed_hi as u64) << 32 | seed_lo as u64;
    let created = convert::options(&Value::parse(&record)).and_then(|o| Session::new(o, seed));
    match created {
        Ok(session) => {
            let core = alloc::boxed::Box::new(Core {
                session,
                current: None,
                last_topic: String::new(),
                properties: Vec::new(),
                input_in_frame: false,
                released: Vec::new(),
            });
            alloc::boxed::Box::into_raw(core) as usize as f64
        }
        Err(text) => -(out(text.as_bytes()) as f64),
    }
}

/// # Safety
/// `core` came from `mq_new` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn mq_free(core: *mut Core) {
    if !core.is_null() {
        drop(alloc::boxed::Box::from_raw(core));
    }
}

/// Exports that only pass the clock on to the session method of the same name.
macro_rules! clock_calls {
    ($($export:ident => $method:ident),* $(,)?) => {$(
        #[no_mangle]
        pub extern "C" fn $export(core: &mut Core, now: f64) {
            core.session.$method(ms(now));
        }
    )*};
}

clock_calls!(
    mq_connect => connect,
    mq_reconnect => reconnect,
    mq_transport_opened => transport_opened,
    mq_transport_closed => transport_closed,
    mq_handle_timeout => handle_timeout,
);

/// Where the glue writes the next `len` bytes from the socket before `mq_handle_bytes`, and
/// how many of them (in the out-slot: `len`, or fewer). The buffer of the packet they continue
/// or start when it arrives in pieces, reserved at the packet's length (each piece, the first
/// too, is then copied once, not into a buffer of its own and again into the packet's); when
/// they finish that packet and start another, only the packet's end goes there and the glue
/// asks again for the rest. Otherwise a fresh buffer the decoder adopts.
/// `head_lo`/`head_hi`: the first 5 bytes (little-endian, 0 past `len`), from which the core
/// learns the length of a packet the bytes start.
#[no_mangle]
pub extern "C" fn mq_input_buffer(
    core: &mut Core,
    len: usize,
    head_lo: u32,
    head_hi: u32,
) -> *mut u8 {
    core.input_in_frame = false;
    OUT_LEN.store(len as u32, Ordering::Relaxed);
    // The WeChat core leaves this copy saving out (Cargo.toml `input-in-place`).
    if !cfg!(feature = "input-in-place") {
        return mq_alloc(len);
    }
    let lo = head_lo.to_le_bytes();
    let head = [lo[0], lo[1], lo[2], lo[3], head_hi as u8];
    match core.session.room_for_bytes(len, &head[..len.min(5)]) {
        Some(room) => {
            core.input_in_frame = true;
            OUT_LEN.store(room.len() as u32, Ordering::Relaxed);
            room.as_mut_ptr().cast()
        }
        None => mq_alloc(len),
    }
}

/// Bytes from the socket, written where `mq_input_buffer` said; the decoder keeps them
/// rather than copying them again.
///
/// # Safety
/// `ptr` comes from the `mq_input_buffer` just before, `len` is the count it put in the
/// out-slot, and that many bytes were written.
#[no_mangle]
pub unsafe extern "C" fn mq_handle_bytes(core: &mut Core, now: f64, ptr: *mut u8, len: usize) {
    let own_buffer = if core.input_in_frame {
        core.input_in_frame = false;
        core.session.commit_written_bytes(len);
        Vec::new() // the bytes are in the decoder already: only decode
    } else {
        adopt(ptr, len)
    };
    core.session.handle_owned_bytes(ms(now), own_buffer);
}

/// How many bytes are pending for the socket (0 when none); the glue copies them piece by
/// piece (`mq_transmit_piece`) into the one buffer it sends, then calls `mq_transmitted`.
#[no_mangle]
pub extern "C" fn mq_poll_transmit(core: &mut Core) -> u32 {
    core.session.transmit_len() as u32
}

/// Piece `i` of the pending bytes: encoded packets and, between them, large payloads where
/// they already are in memory (so each is copied once, by the glue). A payload the glue keeps
/// (`mq_publish` flag 128) is 0 with its handle (never 0) in the out-slot.
#[no_mangle]
pub extern "C" fn mq_transmit_piece(core: &mut Core, i: usize) -> u32 {
    match core.session.transmit_part(i) {
        Piece::Bytes(b) => out(b),
        Piece::External(e) => external(e),
    }
}

/// A payload the glue keeps, as the glue reads it: 0, the handle in the out-slot.
fn external(payload: &ExternalPayload) -> u32 {
    OUT_LEN.store(payload.handle(), Ordering::Relaxed);
    0
}

/// The handles of payloads the glue keeps that the core no longer needs, each once: u32s
/// (little-endian, as wasm is) in a slice. The glue lets those payloads go.
#[no_mangle]
pub extern "C" fn mq_released(core: &mut Core) -> u32 {
    core.released = core.session.released_payloads();
    let handles = &core.released;
    // SAFETY: the bytes of live, initialised u32s; u8 has no alignment to keep.
    out(unsafe { core::slice::from_raw_parts(handles.as_ptr().cast(), handles.len() * 4) })
}

#[no_mangle]
pub extern "C" fn mq_transmitted(core: &mut Core) {
    core.session.transmitted();
}

/// Next deadline in ms, or -1.
#[no_mangle]
pub extern "C" fn mq_poll_timeout(core: &mut Core) -> f64 {
    core.session.poll_timeout().map_or(-1.0, |t| t as f64)
}

/// `flags`: bits 0-1 QoS, bit 2 retain, bit 3 dup, bit 4 "pick the packet id now", bits
/// 16-31 the page's packet id (0: the core's); bit 5 "restore a packet of the page's outgoing
/// store" (bit 6: its PUBREL), returning 0 when not restored; bit 7 "the glue keeps the
/// payload": `payload` is then the glue's handle for it (not 0), not a buffer
/// (`Session::publish_external`). Flat on purpose: the hot path builds no record per
/// publish; `props` is an empty buffer when there are no properties.
///
/// # Safety
/// The three buffers come from `mq_alloc` (the payload's only without bit 7).
#[allow(clippy::too_many_arguments)]
#[no_mangle]
pub unsafe extern "C" fn mq_publish(
    core: &mut Core,
    now: f64,
    topic: *mut u8,
    topic_len: usize,
    payload: *mut u8,
    payload_len: usize,
    flags: u32,
    props: *mut u8,
    props_len: usize,
) -> u32 {
    let topic = adopt(topic, topic_len);
    let props = adopt(props, props_len);
    // Claimed first, so that a call refused below still releases it.
    let kept = if flags & 128 != 0 {
        let claim = core
            .session
            .external_payload(payload as usize as u32, payload_len);
        if claim.is_none() {
            return core
                .session
                .reject(OpError::InvalidArgument, NO_KEPT_PAYLOADS);
        }
        claim
    } else {
        None
    };
    let payload = if kept.is_some() {
        Vec::new()
    } else {
        adopt(payload, payload_len)
    };
    let Some(topic) = crate::codec::wire::str_of(&topic) else {
        return core
            .session
            .reject(OpError::InvalidTopic, "topic is not valid UTF-8");
    };
    let props = convert::publish_properties(&optional_record(&props));
    let message_id = if flags & 16 != 0 {
        crate::engine::ASSIGN_NOW
    } else {
        flags >> 16
    };
    let payload = crate::codec::bytes_of(payload);
    match props {
        Ok(properties) if flags & 32 != 0 => core.session.restore_checked(
            topic,
            payload,
            kept,
            (flags & 3) as u8,
            flags & 4 != 0,
            properties,
            (flags >> 16) as u16,
            flags & 64 != 0,
        ),
        Ok(props) => core.session.publish_checked(
            ms(now),
            topic,
            payload,
            kept,
            ((flags & 3) as u8, flags & 4 != 0, flags & 8 != 0),
            props,
            message_id,
        ),
        Err(e) => core.session.reject(OpError::InvalidArgument, e),
    }
}

/// The WeChat core keeps every payload in linear memory (Cargo.toml `splice-payloads`); its
/// glue never asks otherwise.
const NO_KEPT_PAYLOADS: &str = "payloads kept by the glue: only in the universal build";

/// An optional record: the glue passes an empty buffer for "none".
fn optional_record(bytes: &[u8]) -> Value<'_> {
    if bytes.is_empty() {
        Value::Absent
    } else {
        Value::parse(bytes)
    }
}

/// `record`: `{filters: [{topic, qos, nl, rap, rh}], properties}`; `message_id`: the page's
/// packet id (`messageIdProvider`), 0 (or out of range) for the core's.
///
/// # Safety
/// `record`/`len` come from `mq_alloc`.
#[no_mangle]
pub unsafe extern "C" fn mq_subscribe(
    core: &mut Core,
    now: f64,
    record: *mut u8,
    len: usize,
    message_id: u32,
) -> u32 {
    let record = adopt(record, len);
    let args = Value::parse(&record);
    let props = match convert::subscribe_properties(&args.get("properties")) {
        Ok(p) => p,
        Err(e) => return core.session.reject(OpError::InvalidArgument, e),
    };
    match convert::filters(&args.get("filters")) {
        Ok(filters) => core
            .session
            .subscribe_with_id(ms(now), filters, props, page_id(message_id)),
        Err((kind, text)) => core.session.reject(kind, text),
    }
}

/// A page's packet id as the core takes it: 0 (the core picks one) when not 1..=65535.
fn page_id(message_id: u32) -> u16 {
    u16::try_from(message_id).unwrap_or(0)
}

/// `record`: `{topics: string[], properties}`; `message_id` as `mq_subscribe`'s.
///
/// # Safety
/// `record`/`len` come from `mq_alloc`.
#[no_mangle]
pub unsafe extern "C" fn mq_unsubscribe(
    core: &mut Core,
    now: f64,
    record: *mut u8,
    len: usize,
    message_id: u32,
) -> u32 {
    let record = adopt(record, len);
    let args = Value::parse(&record);
    let user = match convert::checked_user_properties(&args.get("properties")) {
        Ok(u) => u,
        Err(e) => return core.session.reject(OpError::InvalidArgument, e),
    };
    match convert::topics(&args.get("topics")) {
        Some(topics) => {
            core.session
                .unsubscribe_with_id(ms(now), topics, user, page_id(message_id))
        }
        None => core.session.reject(
            OpError::InvalidArgument,
            "unsubscribe: topics must be strings",
        ),
    }
}

/// `flags`: bits 0-7 the DISCONNECT's reason code, bit 8 "keep the outgoing session";
/// `props`: the DISCONNECT's v5 properties record (empty: none). Returns 0, or the message
/// (a slice) when the properties are wrong: the client then ends without them.
///
/// # Safety
/// `props`/`len` come from `mq_alloc`.
#[no_mangle]
pub unsafe extern "C" fn mq_end(
    core: &mut Core,
    now: f64,
    force: bool,
    flags: u32,
    props: *mut u8,
    len: usize,
) -> u32 {
    let props = adopt(props, len);
    let parsed = if cfg!(feature = "end-properties") {
        convert::disconnect_properties(&optional_record(&props))
    } else if props.is_empty() {
        Ok(None)
    } else {
        // The WeChat and no-WebAssembly cores (Cargo.toml `end-properties`): refused by
        // name, not dropped unsaid.
        Err("DISCONNECT properties: not in this core")
    };
    let (props, wrong) = match parsed {
        Ok(p) => (p, 0),
        Err(e) => (None, out(e.as_bytes())),
    };
    core.session
        .end_with(ms(now), force, flags as u8, props, flags & 0x100 != 0);
    wrong
}

/// The page finished handling the message it was given (MQTT.js `handleMessage` called back):
/// `acknowledge` its PUBACK/PUBREC with `reason_code`, or withhold it.
#[no_mangle]
pub extern "C" fn mq_message_handled(
    core: &mut Core,
    now: f64,
    message_id: u16,
    acknowledge: bool,
    reason_code: u8,
) {
    core.session
        .message_handled(ms(now), message_id, acknowledge.then_some(reason_code));
}

#[no_mangle]
pub extern "C" fn mq_set_page_acks(core: &mut Core, on: bool) {
    core.session.set_page_acks(on);
}

#[no_mangle]
pub extern "C" fn mq_remove_outgoing(core: &mut Core, now: f64, message_id: u16) -> bool {
    core.session.remove_outgoing(ms(now), message_id)
}

/// Answer to NEED_CREDENTIALS. `record`: `{username, password, clientId}`; the password is a
/// string or bytes.
///
/// # Safety
/// `record`/`len` come from `mq_alloc`.
#[no_mangle]
pub unsafe extern "C" fn mq_provide_credentials(
    core: &mut Core,
    now: f64,
    record: *mut u8,
    len: usize,
) {
    let record = adopt(record, len);
    let args = Value::parse(&record);
    let password = convert::binary_of(&args.get("password")).map(crate::codec::bytes_of);
    core.session.provide_credentials(
        ms(now),
        convert::text(&args, "username"),
        password,
        convert::text(&args, "clientId"),
    );
}

/// # Safety
/// `text`/`len` (UTF-8) come from `mq_alloc`.
#[no_mangle]
pub unsafe extern "C" fn mq_credentials_failed(
    core: &mut Core,
    now: f64,
    text: *mut u8,
    len: usize,
) {
    let text = adopt(text, len);
    let message = crate::codec::wire::str_of(&text).unwrap_or("credentials provider failed");
    core.session.credentials_failed(ms(now), message);
}

/// # Safety
/// `props`/`len` come from `mq_alloc` (empty: no properties).
#[no_mangle]
pub unsafe extern "C" fn mq_send_auth(
    core: &mut Core,
    now: f64,
    reason_code: u8,
    props: *mut u8,
    len: usize,
) -> bool {
    let props = adopt(props, len);
    let props = convert::auth_properties(&optional_record(&props));
    match props {
        Ok(p) => core.session.send_auth(ms(now), reason_code, p),
        Err(_) => false,
    }
}

#[no_mangle]
pub extern "C" fn mq_set_suspended(core: &mut Core, now: f64, hidden: bool) {
    core.session.set_suspended(ms(now), hidden);
}

#[no_mangle]
pub extern "C" fn mq_network_changed(core: &mut Core, now: f64, online: bool) {
    core.session.network_changed(ms(now), online);
}

#[no_mangle]
pub extern "C" fn mq_set_packet_events(core: &mut Core, on: bool) {
    let describe: crate::engine::PacketDescriber = packet_record::write;
    core.session.set_packet_events(on.then_some(describe));
}

/// Whether the session is between attempts or trying again (MQTT.js `reconnecting`); the glue
/// tracks the other states from events.
#[no_mangle]
pub extern "C" fn mq_reconnecting(core: &mut Core) -> bool {
    core.session.is_reconnecting()
}

#[no_mangle]
pub extern "C" fn mq_last_message_id(core: &mut Core) -> u16 {
    core.session.last_message_id()
}

// ----- events -------------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn mq_poll_event(core: &mut Core) -> u32 {
    if !core.session.has_event() {
        core.current = None;
        return 0;
    }
    core.current = core.session.poll_event();
    match &core.current {
        None => 0,
        Some(e) => match e {
            Event::OpenTransport => kind::OPEN_TRANSPORT,
            Event::CloseTransport => kind::CLOSE_TRANSPORT,
            Event::NeedCredentials { .. } => kind::NEED_CREDENTIALS,
            Event::Connected { .. } => kind::CONNECTED,
            Event::Message(..) => kind::MESSAGE,
            Event::OpDone(_) => kind::OP_DONE,
            Event::OpFailed { .. } => kind::OP_FAILED,
            Event::Reconnecting => kind::RECONNECTING,
            Event::Closed { .. } => kind::CLOSED,
            Event::Error { .. } => kind::ERROR,
            Event::ServerDisconnect { .. } => kind::SERVER_DISCONNECT,
            Event::Auth { .. } => kind::AUTH,
            Event::PacketSent { .. } => kind::PACKET_SENT,
            Event::PacketReceived { .. } => kind::PACKET_RECEIVED,
            Event::OutgoingEmpty => kind::OUTGOING_EMPTY,
            Event::Ended => kind::ENDED,
            Event::Debug { .. } => kind::DEBUG,
            Event::InFlight { .. } => kind::IN_FLIGHT,
        },
    }
}

#[no_mangle]
pub extern "C" fn mq_ev_op(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::OpDone(d)) => d.op,
        Some(Event::OpFailed { op, .. }) | Some(Event::InFlight { op, .. }) => *op,
        _ => 0,
    }
}

/// Reason/return code, error kind's code, packet type, attempt number, `was_connected` or
/// `released`.
#[no_mangle]
pub extern "C" fn mq_ev_code(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::NeedCredentials { attempt }) => *attempt,
        Some(Event::Connected { code, .. }) => *code as u32,
        Some(Event::OpDone(d)) => d.reason as u32,
        Some(Event::OpFailed { code, .. }) => *code as u32,
        Some(Event::Closed { was_connected }) => *was_connected as u32,
        Some(Event::InFlight { released, .. }) => *released as u32,
        Some(Event::Error { code, .. }) => *code as u32,
        Some(Event::ServerDisconnect { reason, .. }) => *reason as u32,
        Some(Event::Auth { reason, .. }) => *reason as u32,
        Some(Event::PacketSent { packet_type, .. })
        | Some(Event::PacketReceived { packet_type, .. }) => *packet_type as u32,
        _ => 0,
    }
}

/// ERROR: `connection_refused`, `keepalive_timeout`… ; OP_FAILED: `invalid_topic`, `queue_full`….
#[no_mangle]
pub extern "C" fn mq_ev_error_name(core: &mut Core) -> u32 {
    out(match &core.current {
        Some(Event::Error { kind, .. }) => kind.name(),
        Some(Event::OpFailed { error, .. }) => error.name(),
        _ => "",
    }
    .as_bytes())
}

#[no_mangle]
pub extern "C" fn mq_ev_text(core: &mut Core) -> u32 {
    out(match &core.current {
        Some(Event::Error { text, .. })
        | Some(Event::OpFailed { text, .. })
        | Some(Event::Debug { text }) => text.as_bytes(),
        _ => &[],
    })
}

#[no_mangle]
pub extern "C" fn mq_ev_topic(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::Message(m, _)) => {
            if m.topic != core.last_topic {
                core.last_topic.clone_from(&m.topic);
            }
            out(m.topic.as_bytes())
        }
        // Not `last_topic`: that names the last MESSAGE's topic (`mq_ev_flags`).
        Some(Event::InFlight { topic, .. }) if cfg!(feature = "stored-alias-topics") => {
            out(topic.as_bytes())
        }
        _ => out(&[]),
    }
}

/// A MESSAGE's small fields in one call (each getter is a boundary crossing): bits 0-1 QoS,
/// bit 2 retain, bit 3 dup, bit 4 "topic equals what `mq_ev_topic` returned last", bit 6
/// "the PUBLISH named its topic by an alias alone", bits 16-31 the packet identifier.
/// CONNECTED: bit 5 session present.
#[no_mangle]
pub extern "C" fn mq_ev_flags(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::Message(m, from_alias)) => {
            (m.qos as u32)
                | (m.retain as u32) << 2
                | (m.dup as u32) << 3
                | ((m.topic == core.last_topic) as u32) << 4
                | (*from_alias as u32) << 6
                | (m.pkid as u32) << 16
        }
        Some(Event::Connected {
            session_present, ..
        }) => (*session_present as u32) << 5,
        _ => 0,
    }
}

/// MESSAGE: the payload. PACKET_SENT of a PUBLISH whose payload the glue keeps: 0 with the
/// handle in the out-slot (as `mq_transmit_piece`).
#[no_mangle]
pub extern "C" fn mq_ev_payload(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::Message(m, _)) => out(&m.payload),
        Some(Event::PacketSent {
            external: Some(e), ..
        }) => external(e),
        _ => out(&[]),
    }
}

#[no_mangle]
pub extern "C" fn mq_ev_message_id(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::Message(m, _)) => m.pkid as u32,
        Some(Event::OpDone(d)) => d.message_id as u32,
        Some(Event::OpFailed { message_id, .. }) | Some(Event::InFlight { message_id, .. }) => {
            *message_id as u32
        }
        _ => 0,
    }
}

#[no_mangle]
pub extern "C" fn mq_ev_codes(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::OpDone(d)) => out(&d.codes),
        _ => out(&[]),
    }
}

/// The properties a broker may send and those a client sends (`packetsend`), for
/// js-glue/core/properties.js to name what `mq_ev_properties` and `mq_ev_packet` return: `<identifier><kind> <MQTT.js name>` entries, space-separated;
/// kinds b flag, n byte, h two-byte integer, w four-byte integer, v variable byte integer,
/// s string, d binary data, p string pair. Kept here rather than in the glue: the core ships
/// compressed, and WeChat counts the glue's bytes raw.
const BROKER_PROPERTIES: &str = "1b payloadFormatIndicator 2w messageExpiryInterval \
3s contentType 8s responseTopic 9d correlationData 11v subscriptionIdentifier \
17w sessionExpiryInterval 18s assignedClientIdentifier 19h serverKeepAlive \
21s authenticationMethod 22d authenticationData 23b requestProblemInformation \
24w willDelayInterval 25b requestResponseInformation 26s responseInformation 28s serverReference \
31s reasonString 33h receiveMaximum 34h topicAliasMaximum 35h topicAlias 36n maximumQoS \
37b retainAvailable 38p userProperties 39w maximumPacketSize 40b wildcardSubscriptionAvailable \
41b subscriptionIdentifiersAvailable 42b sharedSubscriptionAvailable";

#[no_mangle]
pub extern "C" fn mq_property_names() -> u32 {
    out(BROKER_PROPERTIES.as_bytes())
}

/// PACKET_SENT / PACKET_RECEIVED: the packet as MQTT.js shows it, as a record
/// (packet_record.rs).
#[no_mangle]
pub extern "C" fn mq_ev_packet(core: &mut Core) -> u32 {
    match &core.current {
        Some(Event::PacketSent { description, .. })
        | Some(Event::PacketReceived { description, .. }) => out(description),
        _ => out(&[]),
    }
}

/// The current event's v5 property section body (the glue names the properties), or 0.
#[no_mangle]
pub extern "C" fn mq_ev_properties(core: &mut Core) -> u32 {
    use crate::codec::PropertySection as Section;
    let section = match &core.current {
        Some(Event::Connected {
            properties: Some(p),
            ..
        }) => Section::of(&**p),
        Some(Event::Message(m, _)) => match &m.properties {
            Some(p) => Section::of(&**p),
            None => return out(&[]),
        },
        Some(Event::OpDone(d)) => match &d.properties {
            Some(p) => Section::of(&**p),
            None => return out(&[]),
        },
        Some(Event::ServerDisconnect {
            properties: Some(p),
            ..
        }) => Section::of(&**p),
        Some(Event::Auth {
            properties: Some(p),
            ..
        }) => Section::of(&**p),
        _ => return out(&[]),
    };
    core.properties = crate::codec::properties_body(section);
    out(&core.properties)
}

/// `memcpy`/`memmove` for the shipped builds, replacing compiler-builtins' word-at-a-time
/// versions (1.7 KB of wasm): short moves (struct fields, topics) byte by byte, long ones
/// (payloads, buffers growing) through the glue's `copyWithin`: MVP wasm has no
/// `memory.copy`, and the engine's native copy is several times faster than a wasm loop and
/// handles overlap. The loops below must not become calls to `memmove` themselves (LLVM's
/// idiom recognition); the build's smoke test, which encodes a CONNECT, would overflow the
/// stack if they did.
#[cfg(all(target_arch = "wasm32", feature = "native-copy"))]
mod mem {
    #[link(wasm_import_module = "./mpmqtt_bg.js")]
    extern "C" {
        fn mq_copy(dst: *mut u8, src: *const u8, len: usize);
    }

    /// From this length on the import's call overhead is smaller than the loop it replaces.
    const NATIVE_FROM: usize = 256;

    /// # Safety
    /// The C contract: `dst` and `src` valid for `n` bytes (they may overlap).
    #[no_mangle]
    pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        if n >= NATIVE_FROM {
            mq_copy(dst, src, n);
        } else if (dst as usize) <= (src as usize) {
            // Forwards, four bytes per turn (wasm loads and stores need no alignment).
            let mut i = 0;
            while i + 4 <= n {
                let word = core::ptr::read_unaligned(src.add(i) as *const u32);
                core::ptr::write_unaligned(dst.add(i) as *mut u32, word);
                i += 4;
            }
            while i < n {
                *dst.add(i) = *src.add(i);
                i += 1;
            }
        } else {
            // Backwards, so an overlapping source is read before it is overwritten.
            let mut i = n;
            while i >= 4 {
                i -= 4;
                let word = core::ptr::read_unaligned(src.add(i) as *const u32);
                core::ptr::write_unaligned(dst.add(i) as *mut u32, word);
            }
            while i > 0 {
                i -= 1;
                *dst.add(i) = *src.add(i);
            }
        }
        dst
    }

    /// # Safety
    /// The C contract: `dst` and `src` valid for `n` bytes, not overlapping.
    #[no_mangle]
    pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        memmove(dst, src, n)
    }
}
