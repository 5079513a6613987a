//! Packet bodies to the wire. One writer serves both `encode` (a `Sink` into a `Vec`) and
//! `encoded_len` (a counting `Sink`), so the size used for Maximum Packet Size checks is the
//! size actually sent. Every rule the decoder enforces is enforced here too: we never send
//! what we would reject.

use super::decode::{
    AUTH, CONNACK, CONNECT, DISCONNECT, PINGREQ, PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC,
    PUBREL, SUBACK, SUBSCRIBE, UNSUBACK, UNSUBSCRIBE,
};
use super::packet::*;
use super::properties as props;
use super::validate;
use super::wire::Sink;
use super::CodecError;

/// The fixed header's first byte.
pub fn header_byte(packet: &Packet) -> Result<u8, CodecError> {
    Ok(match packet {
        Packet::Connect(_) => CONNECT << 4,
        Packet::ConnAck(_) => CONNACK << 4,
        Packet::Publish(p) => return publish_header_byte(p),
        Packet::Ack(a) => match a.kind {
            AckKind::PubAck => PUBACK << 4,
            AckKind::PubRec => PUBREC << 4,
            AckKind::PubRel => (PUBREL << 4) | 0b0010,
            AckKind::PubComp => PUBCOMP << 4,
        },
        Packet::Subscribe(_) => (SUBSCRIBE << 4) | 0b0010,
        Packet::SubAck(_) => SUBACK << 4,
        Packet::Unsubscribe(_) => (UNSUBSCRIBE << 4) | 0b0010,
        Packet::UnsubAck(_) => UNSUBACK << 4,
        Packet::PingReq => PINGREQ << 4,
        Packet::PingResp => PINGRESP << 4,
        Packet::Disconnect(_) => DISCONNECT << 4,
        Packet::Auth(_) => AUTH << 4,
    })
}

/// A PUBLISH's fixed header byte.
pub fn publish_header_byte(p: &Publish) -> Result<u8, CodecError> {
    if p.dup && p.qos == QoS::AtMostOnce {
        return Err(CodecError::InvalidFlags);
    }
    Ok((PUBLISH << 4) | (u8::from(p.dup) << 3) | ((p.qos as u8) << 1) | u8::from(p.retain))
}

fn pkid(s: &mut Sink, id: u16) -> Result<(), CodecError> {
    if id == 0 {
        return Err(CodecError::PacketIdZero);
    }
    s.u16(id);
    Ok(())
}

/// Writes the variable header and payload. v5-only fields are left out on 3.x, as MQTT.js
/// does, so the engine can hand over the same packet whatever the version.
/// `FROM_CLIENT`: refuse the packets only a broker sends.
pub fn body<const FROM_CLIENT: bool>(
    s: &mut Sink,
    packet: &Packet,
    version: ProtocolVersion,
) -> Result<(), CodecError> {
    let v5 = version.is_v5();
    match packet {
        // First, so that with FROM_CLIENT the arms below them are dead code the compiler drops.
        Packet::ConnAck(_) | Packet::SubAck(_) | Packet::UnsubAck(_) if FROM_CLIENT => {
            Err(CodecError::ProtocolError("a packet a client must not send"))
        }
        Packet::Connect(c) => connect(s, c),
        Packet::ConnAck(c) => {
            if c.session_present && c.code != 0 {
                return Err(CodecError::ProtocolError(
                    "session present on a refused CONNACK",
                ));
            }
            s.u8(u8::from(c.session_present));
            s.u8(c.code);
            if v5 {
                props::write(s, c.properties.as_deref())?;
            }
            Ok(())
        }
        Packet::Publish(p) => publish(s, p, v5),
        Packet::Ack(a) => {
            pkid(s, a.pkid)?;
            // The short form only for plain success; otherwise reason and a property
            // section, even an empty one, as MQTT.js writes them.
            if v5 && (a.reason != 0 || !props::ack_is_empty(a.properties.as_ref())) {
                s.u8(a.reason);
                props::write(s, a.properties.as_ref())?;
            }
            Ok(())
        }
        Packet::Subscribe(sub) => subscribe(s, sub, v5),
        Packet::SubAck(a) => {
            pkid(s, a.pkid)?;
            if v5 {
                props::write(s, a.properties.as_ref())?;
            }
            codes(s, &a.codes)
        }
        Packet::Unsubscribe(u) => {
            pkid(s, u.pkid)?;
            if v5 {
                props::write_user_only(s, &u.user_properties)?;
            }
            if u.filters.is_empty() {
                return Err(CodecError::NoTopicFilters);
            }
            for f in &u.filters {
                validate::topic_filter(f)?;
                s.string(f)?;
            }
            Ok(())
        }
        Packet::UnsubAck(a) => {
            pkid(s, a.pkid)?;
            if v5 {
                props::write(s, a.properties.as_ref())?;
                codes(s, &a.codes)?;
            }
            Ok(())
        }
        Packet::PingReq | Packet::PingResp => Ok(()),
        Packet::Disconnect(d) => {
            // Always reason and properties, as MQTT.js writes it; the decoder also takes
            // the short forms brokers send (`e0 00`, `e0 01 8e`).
            if v5 {
                s.u8(d.reason);
                props::write(s, d.properties.as_deref())?;
            }
            Ok(())
        }
        Packet::Auth(a) => {
            if !v5 {
                return Err(CodecError::ProtocolError("AUTH needs MQTT 5"));
            }
            s.u8(a.reason);
            props::write(s, a.properties.as_deref())
        }
    }
}

fn codes(s: &mut Sink, codes: &[u8]) -> Result<(), CodecError> {
    if codes.is_empty() {
        return Err(CodecError::Malformed(
            "acknowledgement without return codes",
        ));
    }
    s.put(codes);
    Ok(())
}

/// CONNECT is written here rather than through mqttbytes' `Login`, which stores the
/// password as a `String` and drops empty user names and passwords.
fn connect(s: &mut Sink, c: &Connect) -> Result<(), CodecError> {
    let v5 = c.protocol.is_v5();
    if c.protocol != ProtocolVersion::V5 {
        if c.password.is_some() && c.username.is_none() {
            return Err(CodecError::ProtocolError("password without user name"));
        }
        // 3.1 requires a client id [3.1 §3.1]; 3.1.1 allows none only with a clean session
        // [MQTT-3.1.3-7].
        if c.client_id.is_empty() && (c.protocol == ProtocolVersion::V3_1 || !c.clean_start) {
            return Err(CodecError::ProtocolError("empty client id"));
        }
    }
    if c.protocol == ProtocolVersion::V3_1 {
        s.binary(b"MQIsdp")?;
    } else {
        s.binary(b"MQTT")?;
    }
    s.u8(c.protocol as u8);
    let mut flags = u8::from(c.clean_start) << 1;
    if let Some(w) = &c.will {
        flags |= 0x04 | ((w.qos as u8) << 3) | (u8::from(w.retain) << 5);
    }
    if c.password.is_some() {
        flags |= 0x40;
    }
    if c.username.is_some() {
        flags |= 0x80;
    }
    s.u8(flags);
    s.u16(c.keep_alive);
    if v5 {
        props::write(s, c.properties.as_ref())?;
    }
    s.string(&c.client_id)?;
    if let Some(w) = &c.will {
        if v5 {
            props::write(s, w.properties.as_ref())?;
        }
        validate::topic_name(&w.topic)?;
        s.string(&w.topic)?;
        s.binary(&w.payload)?;
    }
    if let Some(u) = &c.username {
        s.string(u)?;
    }
    if let Some(p) = &c.password {
        s.binary(p)?;
    }
    Ok(())
}

pub fn publish(s: &mut Sink, p: &Publish, v5: bool) -> Result<(), CodecError> {
    let aliased = v5
        && p.properties
            .as_ref()
            .is_some_and(|pp| pp.topic_alias.is_some());
    if !(p.topic.is_empty() && aliased) {
        validate::topic_name(&p.topic)?;
    }
    s.string(&p.topic)?;
    if p.qos != QoS::AtMostOnce {
        pkid(s, p.pkid)?;
    }
    if v5 {
        if let Some(0) = p.properties.as_ref().and_then(|pp| pp.topic_alias) {
            return Err(CodecError::ProtocolError("Topic Alias 0"));
        }
        props::write(s, p.properties.as_deref())?;
    }
    s.payload(&p.payload);
    Ok(())
}

fn subscribe(s: &mut Sink, sub: &Subscribe, v5: bool) -> Result<(), CodecError> {
    pkid(s, sub.pkid)?;
    if v5 {
        props::write(s, sub.properties.as_ref())?;
    }
    if sub.filters.is_empty() {
        return Err(CodecError::NoTopicFilters);
    }
    for f in &sub.filters {
        validate::topic_filter(&f.filter)?;
        s.string(&f.filter)?;
        let mut options = f.qos as u8;
        if v5 {
            if f.retain_handling > 2 {
                return Err(CodecError::ProtocolError("Retain Handling 3"));
            }
            options |= (u8::from(f.no_local) << 2)
                | (u8::from(f.retain_as_published) << 3)
                | (f.retain_handling << 4);
        }
        s.u8(options);
    }
    Ok(())
}
