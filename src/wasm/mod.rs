//! The JS face of the engine (docs/core-interface.md): flat calls and getters, so the hot
//! path (bytes in, bytes out, messages) creates no JS object per packet; options and v5
//! properties, which are rare, cross as plain objects through serde-wasm-bindgen.

#[cfg(feature = "clouds")]
mod clouds;
mod convert;

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use wasm_bindgen::prelude::*;

use crate::engine::{Event, OpError, Session};

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
}

#[wasm_bindgen]
pub struct Core {
    session: Session,
    current: Option<Event>,
    /// The topic `ev_topic` last returned: `ev_flags` tells the glue when the current
    /// message repeats it, so the glue reuses its string instead of decoding the bytes again
    /// (most streams publish to a handful of topics).
    last_topic: String,
}

fn ms(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

#[wasm_bindgen]
impl Core {
    /// `options`: see docs/core-interface.md. Throws with a message naming the bad field.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Core, JsError> {
        let opts = convert::options(&options).map_err(JsError::new)?;
        let session = Session::new(opts, random_seed()).map_err(JsError::new)?;
        Ok(Core {
            session,
            current: None,
            last_topic: String::new(),
        })
    }

    pub fn connect(&mut self, now: f64) {
        self.session.connect(ms(now));
    }

    pub fn reconnect(&mut self, now: f64) {
        self.session.reconnect(ms(now));
    }

    pub fn transport_opened(&mut self, now: f64) {
        self.session.transport_opened(ms(now));
    }

    // Owned: wasm-bindgen already copied the message into linear memory for us, and the
    // decoder adopts that buffer rather than copying it again.
    pub fn handle_bytes(&mut self, now: f64, bytes: Vec<u8>) {
        self.session.handle_owned_bytes(ms(now), bytes);
    }

    pub fn transport_closed(&mut self, now: f64) {
        self.session.transport_closed(ms(now));
    }

    pub fn handle_timeout(&mut self, now: f64) {
        self.session.handle_timeout(ms(now));
    }

    /// Pending bytes as one buffer, or undefined.
    pub fn poll_transmit(&mut self) -> Option<js_sys::Uint8Array> {
        let pending = self.session.pending_transmit();
        if pending.is_empty() {
            return None;
        }
        // One copy straight into a JS buffer; the wasm-side buffer is reused for the next flush.
        let out = js_sys::Uint8Array::from(pending);
        self.session.transmitted();
        Some(out)
    }

    /// Next deadline in ms, or -1.
    pub fn poll_timeout(&self) -> f64 {
        self.session.poll_timeout().map_or(-1.0, |t| t as f64)
    }

    // Flat arguments on purpose: the hot path builds no JS object per publish.
    #[allow(clippy::too_many_arguments)]
    pub fn publish(
        &mut self,
        now: f64,
        topic: &str,
        // Owned for the same reason as handle_bytes: the message keeps this buffer as is.
        payload: Vec<u8>,
        qos: u8,
        retain: bool,
        dup: bool,
        properties: JsValue,
    ) -> u32 {
        match convert::publish_properties(&properties) {
            Ok(props) => self.session.publish_bytes(
                ms(now),
                topic,
                Bytes::from(payload),
                qos,
                retain,
                dup,
                props,
            ),
            Err(e) => self.session.reject(OpError::InvalidArgument, e),
        }
    }

    /// `filters`: `[{topic, qos, nl, rap, rh}]`.
    pub fn subscribe(&mut self, now: f64, filters: JsValue, properties: JsValue) -> u32 {
        let props = match convert::subscribe_properties(&properties) {
            Ok(p) => p,
            Err(e) => return self.session.reject(OpError::InvalidArgument, e),
        };
        match convert::filters(&filters) {
            Ok(filters) => self.session.subscribe(ms(now), filters, props),
            Err((kind, text)) => self.session.reject(kind, text),
        }
    }

    pub fn unsubscribe(&mut self, now: f64, topics: JsValue, properties: JsValue) -> u32 {
        let user = match convert::user_properties_of(&properties) {
            Ok(u) => u,
            Err(e) => return self.session.reject(OpError::InvalidArgument, e),
        };
        match convert::topics(&topics) {
            Some(topics) => self.session.unsubscribe(ms(now), topics, user),
            None => self.session.reject(
                OpError::InvalidArgument,
                "unsubscribe: topics must be strings",
            ),
        }
    }

    pub fn end(&mut self, now: f64, force: bool, reason_code: u8) {
        self.session.end(ms(now), force, reason_code);
    }

    pub fn remove_outgoing(&mut self, now: f64, message_id: u16) -> bool {
        self.session.remove_outgoing(ms(now), message_id)
    }

    /// Answer to NEED_CREDENTIALS; `password` is a string or a Uint8Array.
    pub fn provide_credentials(
        &mut self,
        now: f64,
        username: Option<String>,
        password: JsValue,
        client_id: Option<String>,
    ) {
        let password = convert::binary_of(&password).map(Bytes::from);
        self.session
            .provide_credentials(ms(now), username, password, client_id);
    }

    pub fn credentials_failed(&mut self, now: f64, message: &str) {
        self.session.credentials_failed(ms(now), message);
    }

    pub fn send_auth(&mut self, now: f64, reason_code: u8, properties: JsValue) -> bool {
        match convert::auth_properties(&properties) {
            Ok(p) => self.session.send_auth(ms(now), reason_code, p),
            Err(_) => false,
        }
    }

    pub fn set_suspended(&mut self, now: f64, hidden: bool) {
        self.session.set_suspended(ms(now), hidden);
    }

    pub fn network_changed(&mut self, now: f64, online: bool) {
        self.session.network_changed(ms(now), online);
    }

    pub fn set_packet_events(&mut self, on: bool) {
        self.session.set_packet_events(on);
    }

    pub fn connected(&self) -> bool {
        self.session.is_connected()
    }

    pub fn reconnecting(&self) -> bool {
        self.session.is_reconnecting()
    }

    pub fn disconnecting(&self) -> bool {
        self.session.is_disconnecting()
    }

    pub fn ended(&self) -> bool {
        self.session.is_ended()
    }

    pub fn last_message_id(&self) -> u16 {
        self.session.last_message_id()
    }

    pub fn pending_operations(&self) -> u32 {
        self.session.pending_operations() as u32
    }

    pub fn client_id(&self) -> String {
        String::from(self.session.client_id())
    }

    // ----- events ---------------------------------------------------------------------------

    pub fn poll_event(&mut self) -> u32 {
        self.current = self.session.poll_event();
        match &self.current {
            None => 0,
            Some(e) => match e {
                Event::OpenTransport => kind::OPEN_TRANSPORT,
                Event::CloseTransport => kind::CLOSE_TRANSPORT,
                Event::NeedCredentials { .. } => kind::NEED_CREDENTIALS,
                Event::Connected { .. } => kind::CONNECTED,
                Event::Message(_) => kind::MESSAGE,
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
            },
        }
    }

    pub fn ev_op(&self) -> u32 {
        match &self.current {
            Some(Event::OpDone(d)) => d.op,
            Some(Event::OpFailed { op, .. }) => *op,
            _ => 0,
        }
    }

    /// Reason/return code, error kind's code, packet type, attempt number or `was_connected`.
    pub fn ev_code(&self) -> u32 {
        match &self.current {
            Some(Event::NeedCredentials { attempt }) => *attempt,
            Some(Event::Connected { code, .. }) => *code as u32,
            Some(Event::OpDone(d)) => d.reason as u32,
            Some(Event::OpFailed { code, .. }) => *code as u32,
            Some(Event::Closed { was_connected }) => *was_connected as u32,
            Some(Event::Error { code, .. }) => *code as u32,
            Some(Event::ServerDisconnect { reason, .. }) => *reason as u32,
            Some(Event::Auth { reason, .. }) => *reason as u32,
            Some(Event::PacketSent { packet_type }) => *packet_type as u32,
            Some(Event::PacketReceived { packet_type }) => *packet_type as u32,
            _ => 0,
        }
    }

    /// ERROR: `connection_refused`, `keepalive_timeout`… ; OP_FAILED: `invalid_topic`, `queue_full`….
    pub fn ev_error_name(&self) -> String {
        String::from(match &self.current {
            Some(Event::Error { kind, .. }) => kind.name(),
            Some(Event::OpFailed { error, .. }) => error.name(),
            _ => "",
        })
    }

    pub fn ev_text(&self) -> String {
        match &self.current {
            Some(Event::Error { text, .. }) | Some(Event::OpFailed { text, .. }) => text.clone(),
            Some(Event::ServerDisconnect { reason, .. }) => {
                String::from(crate::engine::reason_text(*reason))
            }
            _ => String::new(),
        }
    }

    pub fn ev_topic(&mut self) -> String {
        match &self.current {
            Some(Event::Message(m)) => {
                if m.topic != self.last_topic {
                    self.last_topic.clone_from(&m.topic);
                }
                m.topic.clone()
            }
            _ => String::new(),
        }
    }

    /// A MESSAGE's small fields in one call (each getter is a boundary crossing):
    /// bits 0-1 QoS, bit 2 retain, bit 3 dup, bit 4 "topic equals what `ev_topic` returned
    /// last", bits 16-31 the packet identifier. 0 for other events.
    pub fn ev_flags(&self) -> u32 {
        match &self.current {
            Some(Event::Message(m)) => {
                (m.qos as u32)
                    | (m.retain as u32) << 2
                    | (m.dup as u32) << 3
                    | ((m.topic == self.last_topic) as u32) << 4
                    | (m.pkid as u32) << 16
            }
            _ => 0,
        }
    }

    pub fn ev_payload(&self) -> js_sys::Uint8Array {
        match &self.current {
            Some(Event::Message(m)) => js_sys::Uint8Array::from(&m.payload[..]),
            _ => js_sys::Uint8Array::new_with_length(0),
        }
    }

    pub fn ev_qos(&self) -> u8 {
        match &self.current {
            Some(Event::Message(m)) => m.qos as u8,
            _ => 0,
        }
    }

    pub fn ev_retain(&self) -> bool {
        matches!(&self.current, Some(Event::Message(m)) if m.retain)
    }

    pub fn ev_dup(&self) -> bool {
        matches!(&self.current, Some(Event::Message(m)) if m.dup)
    }

    pub fn ev_session_present(&self) -> bool {
        matches!(
            &self.current,
            Some(Event::Connected {
                session_present: true,
                ..
            })
        )
    }

    pub fn ev_message_id(&self) -> u16 {
        match &self.current {
            Some(Event::Message(m)) => m.pkid,
            Some(Event::OpDone(d)) => d.message_id,
            Some(Event::OpFailed { message_id, .. }) => *message_id,
            _ => 0,
        }
    }

    pub fn ev_codes(&self) -> Vec<u8> {
        match &self.current {
            Some(Event::OpDone(d)) => d.codes.clone(),
            _ => Vec::new(),
        }
    }

    /// v5 properties with MQTT.js names, or undefined.
    pub fn ev_properties(&self) -> JsValue {
        match &self.current {
            Some(Event::Connected {
                properties: Some(p),
                ..
            }) => convert::connack_properties_js(p),
            Some(Event::Message(m)) => m
                .properties
                .as_ref()
                .map_or(JsValue::UNDEFINED, convert::publish_properties_js),
            Some(Event::OpDone(d)) => d
                .properties
                .as_ref()
                .map_or(JsValue::UNDEFINED, convert::ack_properties_js),
            Some(Event::ServerDisconnect {
                properties: Some(p),
                ..
            }) => convert::disconnect_properties_js(p),
            Some(Event::Auth {
                properties: Some(p),
                ..
            }) => convert::auth_properties_js(p),
            _ => JsValue::UNDEFINED,
        }
    }
}

/// Seeds reconnect jitter. Mini-programs may lack `crypto.getRandomValues`, so the
/// getrandom backend below falls back to `Math.random`: jitter needs spread, not secrecy.
fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        return 0x9E37_79B9_7F4A_7C15;
    }
    u64::from_le_bytes(b)
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn math_random_fill(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    for b in buf.iter_mut() {
        *b = (js_sys::Math::random() * 256.0) as u8;
    }
    Ok(())
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
getrandom::register_custom_getrandom!(math_random_fill);
