//! The packets `packetsend` and `packetreceive` carry, in MQTT.js' shapes, written as records
//! (record.rs) for js-glue/core/record.js `decode`: for a packet sent, the object MQTT.js
//! builds before writing it; for a packet received, what mqtt-packet's parser makes of it
//! (fixed-header fields, `length`, `topic`/`payload` null when the packet has none), but for
//! the CONNECT's password, left out. Built
//! here rather than in the glue: the core ships compressed, the glue raw.

use alloc::vec::Vec;

use super::record::{ABSENT, ARRAY, BYTES, FALSE, NUMBER, OBJECT, PROPERTIES, STRING, TRUE};
use crate::codec::{properties_body, AckKind, Packet, PropertySection as Section, ProtocolVersion};
use crate::engine::PACKET_NAMES;

struct Writer(Vec<u8>);

impl Writer {
    fn sized(&mut self, bytes: &[u8]) {
        self.0
            .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        self.0.extend_from_slice(bytes);
    }

    /// An object entry's key and its value's tag.
    fn key(&mut self, key: &str, tag: u8) {
        self.sized(key.as_bytes());
        self.0.push(tag);
    }

    fn number(&mut self, n: u32) {
        self.0.push(NUMBER);
        self.0.extend_from_slice(&f64::from(n).to_le_bytes());
    }

    fn num(&mut self, key: &str, n: u32) {
        self.sized(key.as_bytes());
        self.number(n);
    }

    fn flag(&mut self, key: &str, b: bool) {
        self.key(key, if b { TRUE } else { FALSE });
    }

    fn text(&mut self, key: &str, s: &str) {
        self.key(key, STRING);
        self.sized(s.as_bytes());
    }

    fn bytes(&mut self, key: &str, b: &[u8]) {
        self.key(key, BYTES);
        self.sized(b);
    }

    /// Starts a container (under `key`, or as an array item); `close` with the result.
    fn open(&mut self, key: Option<&str>, tag: u8) -> usize {
        match key {
            Some(k) => self.key(k, tag),
            None => self.0.push(tag),
        }
        self.0.extend_from_slice(&[0; 4]);
        self.0.len()
    }

    fn close(&mut self, start: usize) {
        let len = (self.0.len() - start) as u32;
        self.0[start - 4..start].copy_from_slice(&len.to_le_bytes());
    }

    /// `properties`, when the section has any (mqtt-packet and MQTT.js leave it out then).
    fn properties(&mut self, section: Option<Section>) {
        let Some(section) = section else { return };
        let body = properties_body(section);
        if !body.is_empty() {
            self.key("properties", PROPERTIES);
            self.sized(&body);
        }
    }

    fn codes(&mut self, key: &str, codes: &[u8]) {
        let list = self.open(Some(key), ARRAY);
        for &c in codes {
            self.number(c.into());
        }
        self.close(list);
    }
}

/// The record of one packet. `length`: the remaining length of a packet received, `None`
/// for one sent; `packet` is `None` for a received packet refused unread (only `cmd` then).
pub fn write(packet_type: u8, packet: Option<&Packet>, length: Option<u32>, v5: bool) -> Vec<u8> {
    // The WeChat core (Cargo.toml `packet-records`): no record; the glue names the packet from
    // `mq_ev_code`.
    if !cfg!(feature = "packet-records") {
        return Vec::new();
    }
    let mut w = Writer(Vec::new());
    let top = w.open(None, OBJECT);
    w.text(
        "cmd",
        PACKET_NAMES
            .get(packet_type as usize)
            .copied()
            .unwrap_or(""),
    );
    let received = length.is_some();
    if let Some(length) = length {
        let (retain, qos, dup) = match packet {
            Some(Packet::Publish(p)) => (p.retain, p.qos as u32, p.dup),
            // PUBREL, SUBSCRIBE and UNSUBSCRIBE have the fixed-header flags 0010: QoS 1.
            _ => (false, matches!(packet_type, 6 | 8 | 10) as u32, false),
        };
        w.flag("retain", retain);
        w.num("qos", qos);
        w.flag("dup", dup);
        w.num("length", length);
        if !matches!(packet, Some(Packet::Publish(_))) {
            w.key("topic", ABSENT);
            w.key("payload", ABSENT);
        }
    }
    match packet {
        Some(Packet::Connect(c)) => {
            let id = if c.protocol == ProtocolVersion::V3_1 {
                "MQIsdp"
            } else {
                "MQTT"
            };
            w.text("protocolId", id);
            w.num("protocolVersion", c.protocol as u32);
            w.flag("clean", c.clean_start);
            w.text("clientId", &c.client_id);
            w.num("keepalive", c.keep_alive.into());
            if let Some(u) = &c.username {
                w.text("username", u);
            }
            // No `password`, which MQTT.js shows: a page printing its packets must not print
            // a secret (docs/compat.md).
            w.properties(c.properties.as_ref().map(Section::of));
            if let Some(will) = &c.will {
                let at = w.open(Some("will"), OBJECT);
                w.text("topic", &will.topic);
                w.bytes("payload", &will.payload);
                w.num("qos", will.qos as u32);
                w.flag("retain", will.retain);
                w.properties(will.properties.as_ref().map(Section::of));
                w.close(at);
            }
        }
        Some(Packet::ConnAck(a)) => {
            w.flag("sessionPresent", a.session_present);
            w.num(if v5 { "reasonCode" } else { "returnCode" }, a.code.into());
            w.properties(a.properties.as_deref().map(Section::of));
        }
        Some(Packet::Publish(p)) => {
            w.text("topic", &p.topic);
            w.bytes("payload", &p.payload);
            w.num("qos", p.qos as u32);
            w.flag("retain", p.retain);
            w.flag("dup", p.dup);
            // mqtt-packet reads a packet identifier only at QoS 1/2; MQTT.js sends 0 at QoS 0.
            if !received || p.pkid != 0 {
                w.num("messageId", p.pkid.into());
            }
            w.properties(p.properties.as_deref().map(Section::of));
        }
        Some(Packet::Ack(a)) => {
            w.num("messageId", a.pkid.into());
            if a.kind == AckKind::PubRel && !received {
                w.num("qos", 2); // as MQTT.js writes its PUBREL object
            }
            // Received (v5): mqtt-packet's reason code, 0 when left out. Sent: MQTT.js gives
            // a PUBACK's always, the others' only when not 0.
            let shown = if received {
                v5
            } else {
                a.kind == AckKind::PubAck || a.reason != 0
            };
            if shown {
                w.num("reasonCode", a.reason.into());
            }
            w.properties(a.properties.as_ref().map(Section::of));
        }
        Some(Packet::Subscribe(s)) => {
            let list = w.open(Some("subscriptions"), ARRAY);
            for f in &s.filters {
                let at = w.open(None, OBJECT);
                w.text("topic", &f.filter);
                w.num("qos", f.qos as u32);
                if v5 {
                    w.flag("nl", f.no_local);
                    w.flag("rap", f.retain_as_published);
                    w.num("rh", f.retain_handling.into());
                    // MQTT.js gives every subscription the call's properties.
                    w.properties(s.properties.as_ref().map(Section::of));
                }
                w.close(at);
            }
            w.close(list);
            w.num("messageId", s.pkid.into());
            w.properties(s.properties.as_ref().map(Section::of));
        }
        Some(Packet::SubAck(a)) => {
            w.codes("granted", &a.codes);
            w.num("messageId", a.pkid.into());
            w.properties(a.properties.as_ref().map(Section::of));
        }
        Some(Packet::Unsubscribe(u)) => {
            w.num("messageId", u.pkid.into());
            let list = w.open(Some("unsubscriptions"), ARRAY);
            for t in &u.filters {
                w.0.push(STRING);
                w.sized(t.as_bytes());
            }
            w.close(list);
            w.properties(v5.then(|| Section::of(&u.user_properties)));
        }
        Some(Packet::UnsubAck(a)) => {
            w.num("messageId", a.pkid.into());
            if v5 {
                w.codes("granted", &a.codes);
            }
            w.properties(a.properties.as_ref().map(Section::of));
        }
        Some(Packet::Disconnect(d)) => {
            // Received (v5 only): always; sent: MQTT.js' object has one only when given.
            if received || d.reason != 0 {
                w.num("reasonCode", d.reason.into());
            }
            w.properties(d.properties.as_deref().map(Section::of));
        }
        Some(Packet::Auth(a)) => {
            w.num("reasonCode", a.reason.into());
            w.properties(a.properties.as_deref().map(Section::of));
        }
        Some(Packet::PingReq | Packet::PingResp) | None => {}
    }
    w.close(top);
    w.0
}
