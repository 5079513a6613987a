//! Packet bodies from the wire (§3). The framing (fixed header, size limit) is in `mod.rs`;
//! here every packet must use exactly the bytes its remaining length promised.

use super::packet::*;
use super::properties as props;
use super::validate;
use super::wire::Reader;
use super::CodecError;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

pub const CONNECT: u8 = 1;
pub const CONNACK: u8 = 2;
pub const PUBLISH: u8 = 3;
pub const PUBACK: u8 = 4;
pub const PUBREC: u8 = 5;
pub const PUBREL: u8 = 6;
pub const PUBCOMP: u8 = 7;
pub const SUBSCRIBE: u8 = 8;
pub const SUBACK: u8 = 9;
pub const UNSUBSCRIBE: u8 = 10;
pub const UNSUBACK: u8 = 11;
pub const PINGREQ: u8 = 12;
pub const PINGRESP: u8 = 13;
pub const DISCONNECT: u8 = 14;
pub const AUTH: u8 = 15;

pub fn qos(bits: u8) -> Result<QoS, CodecError> {
    match bits {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        2 => Ok(QoS::ExactlyOnce),
        _ => Err(CodecError::InvalidQoS),
    }
}

/// Checks the fixed header's flag nibble [MQTT-2.2.2-1/-2, 3.3.1-2, 3.3.1-4].
pub fn check_flags(kind: u8, flags: u8) -> Result<(), CodecError> {
    match kind {
        PUBLISH => {
            let q = qos((flags >> 1) & 3)?;
            if q == QoS::AtMostOnce && flags & 0b1000 != 0 {
                return Err(CodecError::InvalidFlags);
            }
            Ok(())
        }
        PUBREL | SUBSCRIBE | UNSUBSCRIBE if flags == 0b0010 => Ok(()),
        PUBREL | SUBSCRIBE | UNSUBSCRIBE => Err(CodecError::InvalidFlags),
        1..=15 if flags == 0 => Ok(()),
        1..=15 => Err(CodecError::InvalidFlags),
        _ => Err(CodecError::InvalidPacketType),
    }
}

/// Decodes one packet whose fixed header byte is `byte1` and whose body is `body`.
/// `byte1` already passed `check_flags` (both callers frame the packet first).
/// `FROM_BROKER`: refuse, unread, the packets only a client sends (`NotFromBroker`).
// Not inlined into `Decoder::next`: measured 50 bytes smaller raw, 100 brotli.
#[inline(never)]
pub fn packet<const FROM_BROKER: bool>(
    byte1: u8,
    body: Bytes,
    version: ProtocolVersion,
) -> Result<Packet, CodecError> {
    let kind = byte1 >> 4;
    let flags = byte1 & 0x0f;
    let v5 = version.is_v5();
    let mut r = Reader::new(body);
    // Each reader checks the packet ended and builds the `Packet` itself: results passed up
    // and wrapped here were copied once per level, a few hundred bytes of wasm per type.
    match kind {
        // First, so that with FROM_BROKER the arms below them are dead code the compiler drops.
        CONNECT | SUBSCRIBE | UNSUBSCRIBE if FROM_BROKER => Err(CodecError::NotFromBroker(kind)),
        CONNECT => connect(&mut r),
        CONNACK => connack(&mut r, v5),
        PUBLISH => publish(&mut r, flags, v5),
        PUBACK => ack(&mut r, AckKind::PubAck, v5),
        PUBREC => ack(&mut r, AckKind::PubRec, v5),
        PUBREL => ack(&mut r, AckKind::PubRel, v5),
        PUBCOMP => ack(&mut r, AckKind::PubComp, v5),
        SUBSCRIBE => subscribe(&mut r, v5),
        SUBACK => suback(&mut r, v5),
        UNSUBSCRIBE => unsubscribe(&mut r, v5),
        UNSUBACK => unsuback(&mut r, v5),
        PINGREQ => r.finish().map(|()| Packet::PingReq),
        PINGRESP => r.finish().map(|()| Packet::PingResp),
        DISCONNECT => disconnect(&mut r, v5),
        AUTH if v5 => auth(&mut r),
        AUTH => Err(CodecError::ProtocolError("AUTH needs MQTT 5")),
        _ => Err(CodecError::InvalidPacketType),
    }
}

/// CONNECT carries its own protocol level; the connection's version does not apply.
fn connect(r: &mut Reader) -> Result<Packet, CodecError> {
    let name = r.binary()?;
    let level = r.u8()?;
    let protocol = match (&name[..], level) {
        (b"MQIsdp", 3) => ProtocolVersion::V3_1,
        (b"MQTT", 4) => ProtocolVersion::V3_1_1,
        (b"MQTT", 5) => ProtocolVersion::V5,
        (b"MQIsdp" | b"MQTT", _) => {
            return Err(CodecError::ProtocolError("unsupported protocol level"))
        }
        _ => return Err(CodecError::ProtocolError("unknown protocol name")),
    };
    let flags = r.u8()?;
    if flags & 0x01 != 0 {
        return Err(CodecError::Malformed("CONNECT reserved flag set"));
    }
    let has_will = flags & 0x04 != 0;
    let will_qos = qos((flags >> 3) & 3)?;
    let will_retain = flags & 0x20 != 0;
    if !has_will && (will_qos != QoS::AtMostOnce || will_retain) {
        return Err(CodecError::Malformed("Will QoS/Retain without a Will"));
    }
    let has_password = flags & 0x40 != 0;
    let has_username = flags & 0x80 != 0;
    // 3.x: no password without a user name [MQTT-3.1.2-22]; v5 lifted that rule.
    if has_password && !has_username && protocol != ProtocolVersion::V5 {
        return Err(CodecError::ProtocolError("password without user name"));
    }
    let keep_alive = r.u16()?;
    let properties = if protocol.is_v5() {
        props::read_connect(r)?
    } else {
        None
    };
    let client_id = r.string()?;
    let will = if has_will {
        let properties = if protocol.is_v5() {
            props::read_will(r)?
        } else {
            None
        };
        let topic = r.string()?;
        validate::topic_name(&topic)?;
        Some(Will {
            topic,
            payload: r.binary()?,
            qos: will_qos,
            retain: will_retain,
            properties,
        })
    } else {
        None
    };
    let username = if has_username {
        Some(r.string()?)
    } else {
        None
    };
    let password = if has_password {
        Some(r.binary()?)
    } else {
        None
    };
    r.finish()?;
    Ok(Packet::Connect(Box::new(Connect {
        protocol,
        client_id,
        clean_start: flags & 0x02 != 0,
        keep_alive,
        username,
        password,
        will,
        properties,
    })))
}

fn connack(r: &mut Reader, v5: bool) -> Result<Packet, CodecError> {
    let flags = r.u8()?;
    if flags & 0xfe != 0 {
        return Err(CodecError::Malformed("CONNACK reserved flags set"));
    }
    let session_present = flags & 1 != 0;
    let code = r.u8()?;
    // A refused connection never resumes a session [MQTT-3.2.2-4, v5 3.2.2-6].
    if session_present && code != 0 {
        return Err(CodecError::ProtocolError(
            "session present on a refused CONNACK",
        ));
    }
    // A 3.1.1-only broker answers a v5 CONNECT with a 3.1.1 CONNACK (0x01, unacceptable
    // protocol version) [MQTT-3.1.2-2]: read it as such rather than as a malformed packet.
    let properties = if v5 && !r.is_empty() {
        props::read_connack(r)?.map(Box::new)
    } else {
        None
    };
    r.finish()?;
    Ok(Packet::ConnAck(ConnAck {
        session_present,
        code,
        properties,
    }))
}

fn publish(r: &mut Reader, flags: u8, v5: bool) -> Result<Packet, CodecError> {
    let qos = qos((flags >> 1) & 3)?;
    let topic = r.string()?;
    let pkid = if qos == QoS::AtMostOnce { 0 } else { r.pkid()? };
    let properties = if v5 {
        props::read_publish(r)?.map(Box::new)
    } else {
        None
    };
    let aliased = properties.as_ref().is_some_and(|p| p.topic_alias.is_some());
    // v5 may send an empty name in place of one a Topic Alias stands for [MQTT-3.3.2-1 vs 3.3.4].
    if !(topic.is_empty() && aliased) {
        validate::topic_name(&topic)?;
    }
    // The payload is the rest of the packet: nothing can be left over.
    Ok(Packet::Publish(Box::new(Publish {
        dup: flags & 0b1000 != 0,
        qos,
        retain: flags & 1 != 0,
        topic,
        pkid,
        payload: r.rest(),
        properties,
    })))
}

/// PUBACK/PUBREC/PUBREL/PUBCOMP. v5 may drop the reason code (then 0) and the property
/// length (then none) [MQTT 5 §3.4.2.1, 3.4.2.2.1].
fn ack(r: &mut Reader, kind: AckKind, v5: bool) -> Result<Packet, CodecError> {
    let pkid = r.pkid()?;
    let (reason, properties) = if v5 && !r.is_empty() {
        let reason = r.u8()?;
        let properties = if r.is_empty() {
            None
        } else {
            props::read_ack(r)?
        };
        (reason, properties)
    } else {
        (0, None)
    };
    r.finish()?;
    Ok(Packet::Ack(Ack {
        kind,
        pkid,
        reason,
        properties,
    }))
}

fn subscribe(r: &mut Reader, v5: bool) -> Result<Packet, CodecError> {
    let pkid = r.pkid()?;
    let properties = if v5 { props::read_subscribe(r)? } else { None };
    let mut filters = Vec::new();
    while !r.is_empty() {
        let filter = r.string()?;
        validate::topic_filter(&filter)?;
        let options = r.u8()?;
        let reserved = if v5 { 0b1100_0000 } else { 0b1111_1100 };
        if options & reserved != 0 {
            return Err(CodecError::Malformed(
                "subscription options reserved bits set",
            ));
        }
        let retain_handling = (options >> 4) & 3;
        if retain_handling == 3 {
            return Err(CodecError::ProtocolError("Retain Handling 3"));
        }
        filters.push(SubscribeFilter {
            filter,
            qos: qos(options & 3)?,
            no_local: options & 0b0100 != 0,
            retain_as_published: options & 0b1000 != 0,
            retain_handling,
        });
    }
    if filters.is_empty() {
        return Err(CodecError::NoTopicFilters);
    }
    Ok(Packet::Subscribe(Subscribe {
        pkid,
        filters,
        properties,
    }))
}

/// Reason codes stay raw: a code this crate does not know is reported to the engine,
/// which treats any code >= 0x80 as failure (see docs/decisions.md).
fn codes(r: &mut Reader) -> Result<Vec<u8>, CodecError> {
    let codes = r.rest().to_vec();
    if codes.is_empty() {
        return Err(CodecError::Malformed(
            "acknowledgement without return codes",
        ));
    }
    Ok(codes)
}

fn suback(r: &mut Reader, v5: bool) -> Result<Packet, CodecError> {
    let pkid = r.pkid()?;
    let properties = if v5 { props::read_ack(r)? } else { None };
    Ok(Packet::SubAck(SubAck {
        pkid,
        codes: codes(r)?,
        properties,
    }))
}

fn unsubscribe(r: &mut Reader, v5: bool) -> Result<Packet, CodecError> {
    let pkid = r.pkid()?;
    let user_properties = if v5 {
        props::read_user_only(r)?
    } else {
        Vec::new()
    };
    let mut filters: Vec<String> = Vec::new();
    while !r.is_empty() {
        let filter = r.string()?;
        validate::topic_filter(&filter)?;
        filters.push(filter);
    }
    if filters.is_empty() {
        return Err(CodecError::NoTopicFilters);
    }
    Ok(Packet::Unsubscribe(Unsubscribe {
        pkid,
        filters,
        user_properties,
    }))
}

fn unsuback(r: &mut Reader, v5: bool) -> Result<Packet, CodecError> {
    let pkid = r.pkid()?;
    if !v5 {
        r.finish()?;
        return Ok(Packet::UnsubAck(UnsubAck {
            pkid,
            codes: Vec::new(),
            properties: None,
        }));
    }
    let properties = props::read_ack(r)?;
    Ok(Packet::UnsubAck(UnsubAck {
        pkid,
        codes: codes(r)?,
        properties,
    }))
}

/// v5 DISCONNECT: no body means reason 0; one byte is just the reason [MQTT 5 §3.14.2.1].
fn disconnect(r: &mut Reader, v5: bool) -> Result<Packet, CodecError> {
    if !v5 || r.is_empty() {
        r.finish()?;
        return Ok(Packet::Disconnect(Disconnect {
            reason: 0,
            properties: None,
        }));
    }
    let reason = r.u8()?;
    let properties = if r.is_empty() {
        None
    } else {
        props::read_disconnect(r)?.map(Box::new)
    };
    r.finish()?;
    Ok(Packet::Disconnect(Disconnect { reason, properties }))
}

/// AUTH: no body means reason 0 (Success) [MQTT 5 §3.15.2.1].
fn auth(r: &mut Reader) -> Result<Packet, CodecError> {
    if r.is_empty() {
        return Ok(Packet::Auth(Auth {
            reason: 0,
            properties: None,
        }));
    }
    let reason = r.u8()?;
    let properties = if r.is_empty() {
        None
    } else {
        props::read_auth(r)?.map(Box::new)
    };
    r.finish()?;
    Ok(Packet::Auth(Auth { reason, properties }))
}
