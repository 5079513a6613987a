//! Version-independent MQTT packets.
//!
//! The session engine speaks only these types; `codec` maps them to and from the wire for
//! MQTT 3.1 (level 3), 3.1.1 (level 4) and 5.0 (level 5). v5-only parts are `Option`s that
//! stay `None` on older versions. Reason and return codes are kept as raw bytes so a code a
//! newer broker invents is reported, not rejected.
//!
//! Property sets and CONNECT live behind a `Box`: absent in the common case and rare
//! otherwise, they would size every `Packet`, `Publish` and `Event` moved per packet (a move
//! is a memcpy of the whole value: 216 B per `Packet` when CONNECT was inline; issue #23).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

pub use mqttbytes::v5::{
    ConnAckProperties, ConnectProperties, PublishProperties, RetainForwardRule,
    SubscribeProperties, WillProperties,
};
pub use mqttbytes::QoS;

/// The protocol level written in CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// MQTT 3.1, protocol name `MQIsdp`.
    V3_1 = 3,
    /// MQTT 3.1.1, protocol name `MQTT`.
    V3_1_1 = 4,
    /// MQTT 5.0.
    V5 = 5,
}

impl ProtocolVersion {
    pub fn from_level(level: u8) -> Option<ProtocolVersion> {
        match level {
            3 => Some(ProtocolVersion::V3_1),
            4 => Some(ProtocolVersion::V3_1_1),
            5 => Some(ProtocolVersion::V5),
            _ => None,
        }
    }

    pub fn is_v5(self) -> bool {
        self == ProtocolVersion::V5
    }
}

/// User properties, reason string: the properties every v5 acknowledgement may carry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AckProperties {
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
}

/// Properties of a v5 DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DisconnectProperties {
    pub session_expiry_interval: Option<u32>,
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
    pub server_reference: Option<String>,
}

/// Properties of a v5 AUTH.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthProperties {
    pub authentication_method: Option<String>,
    pub authentication_data: Option<Bytes>,
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Will {
    pub topic: String,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    pub properties: Option<WillProperties>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connect {
    pub protocol: ProtocolVersion,
    pub client_id: String,
    /// `clean` in MQTT.js; Clean Session (3.1.1) or Clean Start (5.0).
    pub clean_start: bool,
    pub keep_alive: u16,
    pub username: Option<String>,
    pub password: Option<Bytes>,
    pub will: Option<Will>,
    pub properties: Option<ConnectProperties>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnAck {
    pub session_present: bool,
    /// 3.1.1 return code (0..=5) or v5 reason code.
    pub code: u8,
    pub properties: Option<Box<ConnAckProperties>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    /// May be empty only in v5 when `properties.topic_alias` names the topic.
    pub topic: String,
    /// 0 for QoS 0.
    pub pkid: u16,
    pub payload: Bytes,
    pub properties: Option<Box<PublishProperties>>,
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    PubAck,
    PubRec,
    PubRel,
    PubComp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub kind: AckKind,
    pub pkid: u16,
    /// 0 (success) on 3.x.
    pub reason: u8,
    pub properties: Option<AckProperties>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubscribeFilter {
    pub filter: String,
    pub qos: QoS,
    /// v5 No Local (`nl` in MQTT.js).
    pub no_local: bool,
    /// v5 Retain As Published (`rap`).
    pub retain_as_published: bool,
    /// v5 Retain Handling (`rh`): 0, 1 or 2.
    pub retain_handling: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subscribe {
    pub pkid: u16,
    pub filters: Vec<SubscribeFilter>,
    pub properties: Option<SubscribeProperties>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubAck {
    pub pkid: u16,
    /// Granted QoS (0..=2) or failure code (0x80 on 3.1.1; v5 reason codes) per filter.
    pub codes: Vec<u8>,
    pub properties: Option<AckProperties>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unsubscribe {
    pub pkid: u16,
    pub filters: Vec<String>,
    /// v5 user properties.
    pub user_properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnsubAck {
    pub pkid: u16,
    /// v5 reason code per filter; empty on 3.x.
    pub codes: Vec<u8>,
    pub properties: Option<AckProperties>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Disconnect {
    /// 0 (normal) on 3.x.
    pub reason: u8,
    pub properties: Option<Box<DisconnectProperties>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Auth {
    pub reason: u8,
    pub properties: Option<Box<AuthProperties>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Packet {
    Connect(Box<Connect>),
    ConnAck(ConnAck),
    /// Boxed: a received one becomes the MESSAGE event without being moved again.
    Publish(Box<Publish>),
    Ack(Ack),
    Subscribe(Subscribe),
    SubAck(SubAck),
    Unsubscribe(Unsubscribe),
    UnsubAck(UnsubAck),
    PingReq,
    PingResp,
    Disconnect(Disconnect),
    /// v5 only.
    Auth(Auth),
}

/// CONNACK properties with every field absent (mqttbytes' struct has no `Default`).
pub fn empty_connack_properties() -> ConnAckProperties {
    ConnAckProperties {
        session_expiry_interval: None,
        receive_max: None,
        max_qos: None,
        retain_available: None,
        max_packet_size: None,
        assigned_client_identifier: None,
        topic_alias_max: None,
        reason_string: None,
        user_properties: Vec::new(),
        wildcard_subscription_available: None,
        subscription_identifiers_available: None,
        shared_subscription_available: None,
        server_keep_alive: None,
        response_information: None,
        server_reference: None,
        authentication_method: None,
        authentication_data: None,
    }
}

/// CONNECT properties with every field absent.
pub fn empty_connect_properties() -> ConnectProperties {
    ConnectProperties {
        session_expiry_interval: None,
        receive_maximum: None,
        max_packet_size: None,
        topic_alias_max: None,
        request_response_info: None,
        request_problem_info: None,
        user_properties: Vec::new(),
        authentication_method: None,
        authentication_data: None,
    }
}

/// PUBLISH properties with every field absent.
pub fn empty_publish_properties() -> PublishProperties {
    PublishProperties {
        payload_format_indicator: None,
        message_expiry_interval: None,
        topic_alias: None,
        response_topic: None,
        correlation_data: None,
        user_properties: Vec::new(),
        subscription_identifiers: Vec::new(),
        content_type: None,
    }
}
