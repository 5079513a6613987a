//! Bytes from the broker: decoding, dispatch by packet type, protocol violations, and the
//! receiving side of messages — PUBLISH with its topic alias resolved, QoS 1 PUBACK, and
//! QoS 2 exactly-once (PUBREC, then PUBCOMP on PUBREL; a duplicate is acknowledged, not
//! delivered again). With page acknowledgements on, a message's PUBACK/PUBREC waits for the
//! page (`message_handled`), and no further packet is decoded before it, as MQTT.js handles
//! one packet at a time.

use alloc::vec::Vec;
use core::mem::MaybeUninit;

use alloc::string::String;

use super::link::HeldMessage;
use super::{packet_type, push_number, Event, Phase, Session};
use crate::codec::{self, Ack, AckKind, Disconnect, Packet, Publish, QoS};

impl Session {
    pub fn handle_bytes(&mut self, now: u64, bytes: &[u8]) {
        if !self.bytes_wanted(now) {
            return;
        }
        self.link.decoder.push(bytes);
        self.decode_buffered(now);
    }

    /// `handle_bytes` for a buffer the caller gives away: when nothing is buffered the
    /// decoder adopts it, so packets (and message payloads) are cut from it without a copy.
    pub fn handle_owned_bytes(&mut self, now: u64, bytes: Vec<u8>) {
        if !self.bytes_wanted(now) {
            return;
        }
        self.link.decoder.push_owned(bytes);
        self.decode_buffered(now);
    }

    /// Where a driver that copies the next `len` received bytes itself, starting with
    /// `head`, should write them: inside the buffer of the frame they continue or start
    /// (`Decoder::room_in_frame`), then `commit_written_bytes` and `handle_owned_bytes` with
    /// nothing more. None: hand over a buffer of its own with `handle_owned_bytes`.
    pub fn room_for_bytes(&mut self, len: usize, head: &[u8]) -> Option<&mut [MaybeUninit<u8>]> {
        if !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected { .. }) {
            return None;
        }
        self.link.decoder.room_in_frame(len, head)
    }

    /// The first `written` bytes of the room `room_for_bytes` gave were received.
    ///
    /// # Safety
    /// They were all initialised, and `room_for_bytes` was the last call on this session.
    pub unsafe fn commit_written_bytes(&mut self, written: usize) {
        self.link.decoder.commit_room(written);
    }

    /// Whether a connection takes bytes now. While the page handles a message, the bytes
    /// behind it wait undecoded (a PINGRESP among them): their arrival is the sign of life.
    fn bytes_wanted(&mut self, now: u64) -> bool {
        if !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected { .. }) {
            return false;
        }
        if self.link.held.is_some() {
            self.keepalive_received(now);
        }
        true
    }

    fn decode_buffered(&mut self, now: u64) {
        while self.link.held.is_none() {
            match self.link.decoder.next_from_broker() {
                Ok(Some(packet)) => {
                    self.handle_packet(now, packet);
                    if !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected { .. }) {
                        return;
                    }
                }
                Ok(None) => return,
                Err(codec::CodecError::NotFromBroker(packet_type)) => {
                    self.packet_seen(now, packet_type, None);
                    self.refuse_packet(now);
                    return;
                }
                Err(e) => {
                    let mut reason = e.reason_code();
                    let mut mqttjs = String::new();
                    if !cfg!(feature = "mqttjs-texts") {
                        // The WeChat core: our words only (Cargo.toml `mqttjs-texts`).
                    } else if e == codec::CodecError::PacketTooLarge {
                        // MQTT.js' words for a packet over our Maximum Packet Size.
                        let d = &self.link.decoder;
                        let body = d.last_body_len() as u32;
                        let size = 1 + codec::wire::varint_len(body) as u64 + body as u64;
                        let name = super::PACKET_NAMES.get(d.last_type() as usize);
                        mqttjs.push_str("exceeding packets size ");
                        mqttjs.push_str(name.copied().unwrap_or(""));
                        mqttjs.push_str(": ");
                        push_number(&mut mqttjs, size);
                        mqttjs.push_str(" bytes, maximumPacketSize is ");
                        push_number(&mut mqttjs, d.max_packet_size() as u64);
                    } else if e == codec::CodecError::ProtocolError("Topic Alias 0") {
                        // Refused by the decoder, before the topic is looked at: MQTT.js'
                        // words for an alias 0 used alone.
                        mqttjs
                            .push_str("Received Topic Alias 0 is outside the valid range 1-65535");
                    }
                    if e == codec::CodecError::ProtocolError("Topic Alias 0") {
                        reason = 0x94; // Topic Alias invalid [MQTT-3.3.2-8]
                    }
                    self.protocol_violation_as(now, reason, &mqttjs, e.message());
                    return;
                }
            }
        }
    }

    /// The broker broke the protocol: tell it why (v5), close, report, reconnect.
    pub(super) fn protocol_violation(&mut self, now: u64, reason: u8, what: &str) {
        self.protocol_violation_as(now, reason, "", what);
    }

    /// `protocol_violation` reported with MQTT.js' message for it (when not empty) first, ours
    /// on the next line: the glue makes the first the error's `message`, the rest its `hint`.
    fn protocol_violation_as(&mut self, now: u64, reason: u8, mqttjs: &str, what: &str) {
        if self.opts.protocol.is_v5() {
            let _ = self.write_packet(
                now,
                &Packet::Disconnect(Disconnect {
                    reason,
                    properties: None,
                }),
            );
        }
        self.events.push_back(Event::CloseTransport);
        let mut text = String::from(mqttjs);
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str("Protocol error from the broker: ");
        text.push_str(what);
        self.error(super::ErrorKind::ProtocolError, reason, text);
        self.connection_lost(now, false);
    }

    /// Any packet is a sign of life, and the page may want to see it (`None`: a packet
    /// refused unread).
    fn packet_seen(&mut self, now: u64, packet_type: u8, packet: Option<&Packet>) {
        self.keepalive_received(now);
        if let Some(describe) = self.packet_events {
            let length = self.link.decoder.last_body_len() as u32;
            let v5 = self.opts.protocol.is_v5();
            self.events.push_back(Event::PacketReceived {
                packet_type,
                description: describe(packet_type, packet, Some(length), v5),
            });
        }
    }

    /// A packet the broker may not send now (or ever: the decoder leaves CONNECT, SUBSCRIBE
    /// and UNSUBSCRIBE unread, and they end here as PINGREQ does).
    fn refuse_packet(&mut self, now: u64) {
        let what = if matches!(self.phase, Phase::AwaitConnAck) {
            "expected CONNACK first"
        } else {
            "a packet a broker must not send to a client"
        };
        self.protocol_violation(now, 0x82, what);
    }

    fn handle_packet(&mut self, now: u64, packet: Packet) {
        self.packet_seen(now, packet_type(&packet), Some(&packet));
        let v5 = self.opts.protocol.is_v5();
        let awaiting = matches!(self.phase, Phase::AwaitConnAck);
        match packet {
            // Enhanced authentication happens before CONNACK as well as after it.
            Packet::Auth(auth) if v5 => self.events.push_back(Event::Auth {
                reason: auth.reason,
                properties: auth.properties,
            }),
            Packet::ConnAck(ack) if awaiting => self.handle_connack(now, ack),
            _ if awaiting => self.refuse_packet(now),
            Packet::Publish(p) => self.handle_publish(now, p),
            Packet::Ack(ack) => match ack.kind {
                AckKind::PubRel => self.handle_pubrel(now, ack),
                AckKind::PubAck => self.handle_puback(now, ack),
                AckKind::PubRec => self.handle_pubrec(now, ack),
                AckKind::PubComp => self.handle_pubcomp(now, ack),
            },
            Packet::SubAck(ack) => self.handle_suback(now, ack),
            Packet::UnsubAck(ack) => self.handle_unsuback(now, ack),
            Packet::PingResp => {}
            Packet::Disconnect(d) if v5 => self.handle_server_disconnect(now, d),
            // MQTT 3.1/3.1.1 define DISCONNECT for clients only [MQTT-3.14]: a broker sending
            // one is broken, and a plain close would hide that from the page.
            Packet::Disconnect(_) => self.protocol_violation(
                now,
                0x82,
                "DISCONNECT, which before MQTT 5 only a client sends",
            ),
            _ => self.refuse_packet(now),
        }
    }

    fn handle_publish(&mut self, now: u64, mut p: Box<Publish>) {
        let from_alias = p.topic.is_empty();
        if let Some(alias) = p.properties.as_ref().and_then(|pp| pp.topic_alias) {
            let max = self
                .opts
                .properties
                .as_ref()
                .and_then(|cp| cp.topic_alias_max)
                .unwrap_or(0);
            if alias == 0 || alias > max {
                // MQTT.js' words for each case first (the error's message), ours after them.
                let mut mqttjs = String::from("Received Topic Alias ");
                push_number(&mut mqttjs, alias.into());
                if !cfg!(feature = "mqttjs-texts") {
                    mqttjs = String::new();
                } else if max == 0 {
                    mqttjs =
                        "Received a PUBLISH Topic Alias but no Topic Alias Maximum was advertised"
                            .into();
                } else if p.topic.is_empty() && alias != 0 {
                    // MQTT.js looks an alias used alone up without checking its range.
                    mqttjs = "Received unregistered Topic Alias".into();
                } else if p.topic.is_empty() {
                    mqttjs.push_str(" is outside the valid range 1-65535");
                } else {
                    mqttjs.push_str(" is outside the advertised Topic Alias Maximum range 1-");
                    push_number(&mut mqttjs, max.into());
                }
                let what = "topic alias out of range";
                return self.protocol_violation_as(now, 0x94, &mqttjs, what);
            }
            let aliases = &mut self.link.inbound_aliases;
            if p.topic.is_empty() {
                match aliases.get(&alias) {
                    Some(t) => p.topic = t.clone(),
                    None => {
                        let mqttjs = if cfg!(feature = "mqttjs-texts") {
                            "Received unregistered Topic Alias"
                        } else {
                            ""
                        };
                        return self.protocol_violation_as(
                            now,
                            0x82,
                            mqttjs,
                            "unknown topic alias",
                        );
                    }
                }
            } else {
                aliases.insert(alias, p.topic.clone());
            }
        } else if p.topic.is_empty() {
            return self.protocol_violation(now, 0x82, "PUBLISH without topic");
        }
        let (pkid, qos) = (p.pkid, p.qos);
        if qos == QoS::ExactlyOnce {
            // A duplicate of a message delivered and not yet released: acknowledged only.
            if self.incoming_qos2.contains(pkid) {
                return self.write_ack(now, AckKind::PubRec, pkid, 0);
            }
            let limit = self
                .opts
                .properties
                .as_ref()
                .and_then(|cp| cp.receive_maximum)
                .unwrap_or(65_535) as usize;
            if self.incoming_qos2.len() >= limit {
                return self.protocol_violation(now, 0x93, "receive maximum exceeded");
            }
            self.incoming_qos2.insert(pkid);
        }
        self.deliver(p, from_alias);
        if self.page_acks {
            self.link.held = Some(HeldMessage { pkid, qos });
        } else {
            self.acknowledge(now, pkid, qos, 0);
        }
    }

    /// PUBACK (QoS 1) or PUBREC (QoS 2) of a delivered message; a refusing PUBREC ends the
    /// exchange, so the id is free for a new message at once.
    fn acknowledge(&mut self, now: u64, pkid: u16, qos: QoS, reason: u8) {
        match qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => self.write_ack(now, AckKind::PubAck, pkid, reason),
            QoS::ExactlyOnce => {
                if reason >= 0x80 {
                    self.incoming_qos2.remove(pkid);
                }
                self.write_ack(now, AckKind::PubRec, pkid, reason)
            }
        }
    }

    /// The page finished with the held message `pkid` (0 for QoS 0): `Some(reason)` sends its
    /// PUBACK/PUBREC with that reason code, `None` sends none (the page failed to handle it:
    /// the broker resends it, and a QoS 2 one is then delivered again). Then the bytes that
    /// waited are decoded. A call for a message not held (one from a connection since lost,
    /// whose acknowledgement was forgotten with it) does nothing.
    pub fn message_handled(&mut self, now: u64, pkid: u16, reason: Option<u8>) {
        let held = match self.link.held {
            Some(held) if held.pkid == pkid => held,
            _ => return,
        };
        self.link.held = None;
        match reason {
            Some(reason) => self.acknowledge(now, pkid, held.qos, reason),
            None if held.qos == QoS::ExactlyOnce => {
                self.incoming_qos2.remove(pkid);
            }
            None => {}
        }
        if matches!(self.phase, Phase::AwaitConnAck | Phase::Connected { .. }) {
            self.decode_buffered(now);
        }
    }

    fn deliver(&mut self, p: Box<Publish>, from_alias: bool) {
        self.events.push_back(Event::Message(p, from_alias));
    }

    /// The broker releases a QoS 2 message it sent us: the id may be delivered again as a
    /// new message. An unknown id still gets its PUBCOMP (v5: "Packet Identifier not found").
    fn handle_pubrel(&mut self, now: u64, ack: Ack) {
        let known = self.incoming_qos2.remove(ack.pkid);
        let reason = if known || !self.opts.protocol.is_v5() {
            0
        } else {
            0x92
        };
        self.write_ack(now, AckKind::PubComp, ack.pkid, reason);
    }
}
