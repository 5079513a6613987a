//! MQTT 5 properties (§2.2.2). mqttbytes 0.6 keeps its property writers private and rejects
//! nothing (duplicates, properties in the wrong packet, zero where zero is forbidden), so
//! this module reads and writes them itself, into mqttbytes' public property structs.
//!
//! Encoding writes properties in struct-field order, which is also the order MQTT.js lists
//! them in, so our bytes match mqtt-packet's for the same packet. An empty property set
//! decodes to `None`, and `Some(empty)` encodes like `None`.

use super::packet::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PublishProperties, SubscribeProperties, WillProperties,
};
use super::wire::{section_len, Reader, Sink};
use super::CodecError;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

const PAYLOAD_FORMAT_INDICATOR: u8 = 1;
const MESSAGE_EXPIRY_INTERVAL: u8 = 2;
const CONTENT_TYPE: u8 = 3;
const RESPONSE_TOPIC: u8 = 8;
const CORRELATION_DATA: u8 = 9;
const SUBSCRIPTION_IDENTIFIER: u8 = 11;
const SESSION_EXPIRY_INTERVAL: u8 = 17;
const ASSIGNED_CLIENT_IDENTIFIER: u8 = 18;
const SERVER_KEEP_ALIVE: u8 = 19;
const AUTHENTICATION_METHOD: u8 = 21;
const AUTHENTICATION_DATA: u8 = 22;
const REQUEST_PROBLEM_INFORMATION: u8 = 23;
const WILL_DELAY_INTERVAL: u8 = 24;
const REQUEST_RESPONSE_INFORMATION: u8 = 25;
const RESPONSE_INFORMATION: u8 = 26;
const SERVER_REFERENCE: u8 = 28;
const REASON_STRING: u8 = 31;
const RECEIVE_MAXIMUM: u8 = 33;
const TOPIC_ALIAS_MAXIMUM: u8 = 34;
const TOPIC_ALIAS: u8 = 35;
const MAXIMUM_QOS: u8 = 36;
const RETAIN_AVAILABLE: u8 = 37;
const USER_PROPERTY: u8 = 38;
const MAXIMUM_PACKET_SIZE: u8 = 39;
const WILDCARD_SUBSCRIPTION_AVAILABLE: u8 = 40;
const SUBSCRIPTION_IDENTIFIER_AVAILABLE: u8 = 41;
const SHARED_SUBSCRIPTION_AVAILABLE: u8 = 42;

/// One decoded property value; the identifier decides the type (§2.2.2.2).
enum Value {
    Byte(u8),
    U16(u16),
    U32(u32),
    Var(u32),
    Str(String),
    Bin(Bytes),
    Pair(String, String),
}

fn read_value(r: &mut Reader, id: u8) -> Result<Value, CodecError> {
    Ok(match id {
        PAYLOAD_FORMAT_INDICATOR
        | REQUEST_PROBLEM_INFORMATION
        | REQUEST_RESPONSE_INFORMATION
        | RETAIN_AVAILABLE
        | WILDCARD_SUBSCRIPTION_AVAILABLE
        | SUBSCRIPTION_IDENTIFIER_AVAILABLE
        | SHARED_SUBSCRIPTION_AVAILABLE => match r.u8()? {
            b @ (0 | 1) => Value::Byte(b),
            _ => return Err(CodecError::ProtocolError("property must be 0 or 1")),
        },
        // The spec allows only 0 or 1 [MQTT-3.2.2-9], but 2 ("everything") is unambiguous and
        // MQTT.js sends it in its own tests: accepted rather than dropping the connection.
        MAXIMUM_QOS => match r.u8()? {
            b @ 0..=2 => Value::Byte(b),
            _ => return Err(CodecError::ProtocolError("Maximum QoS above 2")),
        },
        SERVER_KEEP_ALIVE | RECEIVE_MAXIMUM | TOPIC_ALIAS_MAXIMUM | TOPIC_ALIAS => {
            Value::U16(r.u16()?)
        }
        MESSAGE_EXPIRY_INTERVAL
        | SESSION_EXPIRY_INTERVAL
        | WILL_DELAY_INTERVAL
        | MAXIMUM_PACKET_SIZE => Value::U32(r.u32()?),
        SUBSCRIPTION_IDENTIFIER => Value::Var(r.varint()?),
        CONTENT_TYPE
        | RESPONSE_TOPIC
        | ASSIGNED_CLIENT_IDENTIFIER
        | AUTHENTICATION_METHOD
        | RESPONSE_INFORMATION
        | SERVER_REFERENCE
        | REASON_STRING => Value::Str(r.string()?),
        CORRELATION_DATA | AUTHENTICATION_DATA => Value::Bin(r.binary()?),
        USER_PROPERTY => {
            let key = r.string()?;
            Value::Pair(key, r.string()?)
        }
        _ => return Err(CodecError::Malformed("unknown property")),
    })
}

/// A packet's property struct, filled by `read_section`. A trait of our own rather than a
/// `dyn FnMut` closure: a closure's vtable also carries a `call_once` shim that nothing calls,
/// about 70 bytes of wasm per packet type.
trait PropertySet {
    /// Stores a property other than User Property, of a type the packet allows.
    fn set(&mut self, id: u8, v: Value) -> Result<(), CodecError>;
    fn users(&mut self) -> &mut Vec<(String, String)>;
}

/// Reads a property section into `p`.
/// Rejects properties the packet does not allow, repeats of any property but User Property
/// and (`many_sub_ids`, PUBLISH) Subscription Identifier, zero where the spec forbids it and
/// a Response Topic that is not a Topic Name [MQTT-2.2.2-1, 3.3.2-14 and the per-packet
/// rules]. Returns whether the section had any property. The checks live here, and `p`
/// is a trait object, so they exist once in the wasm rather than once per packet type.
fn read_section(
    r: &mut Reader,
    allowed: &[u8],
    many_sub_ids: bool,
    p: &mut dyn PropertySet,
) -> Result<bool, CodecError> {
    let len = r.varint()?;
    let mut section = Reader::new(r.take(len as usize)?);
    let mut seen: u64 = 0;
    let any = !section.is_empty();
    while !section.is_empty() {
        let id = section.u8()?;
        let value = read_value(&mut section, id)?;
        if !super::validate::has_byte(allowed, id) {
            return Err(CodecError::ProtocolError(
                "property not allowed in this packet",
            ));
        }
        let bit = 1u64 << id; // ids are < 64 once read_value accepted them
        let repeatable = id == USER_PROPERTY || (id == SUBSCRIPTION_IDENTIFIER && many_sub_ids);
        if seen & bit != 0 && !repeatable {
            return Err(CodecError::ProtocolError("property repeated"));
        }
        seen |= bit;
        match (&value, id) {
            (Value::U16(0), RECEIVE_MAXIMUM) => {
                return Err(CodecError::ProtocolError("Receive Maximum 0"))
            }
            (Value::U32(0), MAXIMUM_PACKET_SIZE) => {
                return Err(CodecError::ProtocolError("Maximum Packet Size 0"))
            }
            (Value::U16(0), TOPIC_ALIAS) => return Err(CodecError::ProtocolError("Topic Alias 0")),
            (Value::Var(0), SUBSCRIPTION_IDENTIFIER) => {
                return Err(CodecError::ProtocolError("Subscription Identifier 0"))
            }
            (Value::Str(topic), RESPONSE_TOPIC) => super::validate::topic_name(topic)?,
            _ => {}
        }
        match value {
            Value::Pair(k, v) => p.users().push((k, v)),
            value => p.set(id, value)?,
        }
    }
    Ok(any)
}

/// The property reader already checked each value's type against its identifier, so a
/// mismatch here is unreachable; it is still an error rather than a panic.
const TYPE_MISMATCH: CodecError = CodecError::Malformed("property type");

/// A property struct's field, by the type it stores.
enum Field<'a> {
    Byte(&'a mut Option<u8>),
    U16(&'a mut Option<u16>),
    U32(&'a mut Option<u32>),
    /// Subscription Identifier, which mqttbytes keeps as `usize`.
    Var(&'a mut Option<usize>),
    Str(&'a mut Option<String>),
    Bin(&'a mut Option<Bytes>),
}

macro_rules! field_from {
    ($($type:ty => $variant:ident),*) => {$(
        impl<'a> From<&'a mut Option<$type>> for Field<'a> {
            fn from(f: &'a mut Option<$type>) -> Field<'a> {
                Field::$variant(f)
            }
        }
    )*};
}

field_from!(u8 => Byte, u16 => U16, u32 => U32, usize => Var, String => Str, Bytes => Bin);

fn set<'a>(field: impl Into<Field<'a>>, v: Value) -> Result<(), CodecError> {
    store(field.into(), v)
}

/// Stores a property in its field. One function for every field type rather than one per
/// type (a generic `set` was five copies, about 760 bytes of wasm), not inlined into the
/// match arms that call it.
#[inline(never)]
fn store(field: Field, v: Value) -> Result<(), CodecError> {
    match (field, v) {
        (Field::Byte(f), Value::Byte(b)) => *f = Some(b),
        (Field::U16(f), Value::U16(n)) => *f = Some(n),
        (Field::U32(f), Value::U32(n)) => *f = Some(n),
        (Field::Var(f), Value::Var(n)) => *f = Some(n as usize),
        (Field::Str(f), Value::Str(s)) => *f = Some(s),
        (Field::Bin(f), Value::Bin(b)) => *f = Some(b),
        _ => return Err(TYPE_MISMATCH),
    }
    Ok(())
}

/// `PropertySet` for a struct with a `user_properties` field, its other fields set by `match`.
macro_rules! property_set {
    ($type:ty, |$p:ident, $id:ident, $v:ident| $set:expr) => {
        impl PropertySet for $type {
            fn set(&mut self, $id: u8, $v: Value) -> Result<(), CodecError> {
                let $p = self;
                $set
            }
            fn users(&mut self) -> &mut Vec<(String, String)> {
                &mut self.user_properties
            }
        }
    };
}

property_set!(ConnectProperties, |p, id, v| match id {
    SESSION_EXPIRY_INTERVAL => set(&mut p.session_expiry_interval, v),
    RECEIVE_MAXIMUM => set(&mut p.receive_maximum, v),
    MAXIMUM_PACKET_SIZE => set(&mut p.max_packet_size, v),
    TOPIC_ALIAS_MAXIMUM => set(&mut p.topic_alias_max, v),
    REQUEST_RESPONSE_INFORMATION => set(&mut p.request_response_info, v),
    REQUEST_PROBLEM_INFORMATION => set(&mut p.request_problem_info, v),
    AUTHENTICATION_METHOD => set(&mut p.authentication_method, v),
    _ => set(&mut p.authentication_data, v),
});

property_set!(WillProperties, |p, id, v| match id {
    WILL_DELAY_INTERVAL => set(&mut p.delay_interval, v),
    PAYLOAD_FORMAT_INDICATOR => set(&mut p.payload_format_indicator, v),
    MESSAGE_EXPIRY_INTERVAL => set(&mut p.message_expiry_interval, v),
    CONTENT_TYPE => set(&mut p.content_type, v),
    RESPONSE_TOPIC => set(&mut p.response_topic, v),
    _ => set(&mut p.correlation_data, v),
});

property_set!(ConnAckProperties, |p, id, v| match id {
    SESSION_EXPIRY_INTERVAL => set(&mut p.session_expiry_interval, v),
    RECEIVE_MAXIMUM => set(&mut p.receive_max, v),
    MAXIMUM_QOS => set(&mut p.max_qos, v),
    RETAIN_AVAILABLE => set(&mut p.retain_available, v),
    MAXIMUM_PACKET_SIZE => set(&mut p.max_packet_size, v),
    ASSIGNED_CLIENT_IDENTIFIER => set(&mut p.assigned_client_identifier, v),
    TOPIC_ALIAS_MAXIMUM => set(&mut p.topic_alias_max, v),
    REASON_STRING => set(&mut p.reason_string, v),
    WILDCARD_SUBSCRIPTION_AVAILABLE => set(&mut p.wildcard_subscription_available, v),
    SUBSCRIPTION_IDENTIFIER_AVAILABLE => set(&mut p.subscription_identifiers_available, v),
    SHARED_SUBSCRIPTION_AVAILABLE => set(&mut p.shared_subscription_available, v),
    SERVER_KEEP_ALIVE => set(&mut p.server_keep_alive, v),
    RESPONSE_INFORMATION => set(&mut p.response_information, v),
    SERVER_REFERENCE => set(&mut p.server_reference, v),
    AUTHENTICATION_METHOD => set(&mut p.authentication_method, v),
    _ => set(&mut p.authentication_data, v),
});

property_set!(PublishProperties, |p, id, v| match id {
    PAYLOAD_FORMAT_INDICATOR => set(&mut p.payload_format_indicator, v),
    MESSAGE_EXPIRY_INTERVAL => set(&mut p.message_expiry_interval, v),
    TOPIC_ALIAS => set(&mut p.topic_alias, v),
    RESPONSE_TOPIC => set(&mut p.response_topic, v),
    CORRELATION_DATA => set(&mut p.correlation_data, v),
    SUBSCRIPTION_IDENTIFIER => match v {
        Value::Var(sid) => {
            p.subscription_identifiers.push(sid as usize);
            Ok(())
        }
        _ => Err(TYPE_MISMATCH),
    },
    _ => set(&mut p.content_type, v),
});

property_set!(SubscribeProperties, |p, _id, v| set(&mut p.id, v));

property_set!(AckProperties, |p, _id, v| set(&mut p.reason_string, v));

property_set!(DisconnectProperties, |p, id, v| match id {
    SESSION_EXPIRY_INTERVAL => set(&mut p.session_expiry_interval, v),
    REASON_STRING => set(&mut p.reason_string, v),
    _ => set(&mut p.server_reference, v),
});

property_set!(AuthProperties, |p, id, v| match id {
    AUTHENTICATION_METHOD => set(&mut p.authentication_method, v),
    AUTHENTICATION_DATA => set(&mut p.authentication_data, v),
    _ => set(&mut p.reason_string, v),
});

/// UNSUBSCRIBE's section, which allows only User Properties.
impl PropertySet for Vec<(String, String)> {
    fn set(&mut self, _: u8, _: Value) -> Result<(), CodecError> {
        Err(TYPE_MISMATCH)
    }
    fn users(&mut self) -> &mut Vec<(String, String)> {
        self
    }
}

/// `p` with the section read into it, or `None` when the section is empty.
fn read_into<T: PropertySet>(
    r: &mut Reader,
    allowed: &[u8],
    many_sub_ids: bool,
    mut p: T,
) -> Result<Option<T>, CodecError> {
    let any = read_section(r, allowed, many_sub_ids, &mut p)?;
    Ok(if any { Some(p) } else { None })
}

pub fn read_connect(r: &mut Reader) -> Result<Option<ConnectProperties>, CodecError> {
    let p = ConnectProperties {
        session_expiry_interval: None,
        receive_maximum: None,
        max_packet_size: None,
        topic_alias_max: None,
        request_response_info: None,
        request_problem_info: None,
        user_properties: Vec::new(),
        authentication_method: None,
        authentication_data: None,
    };
    let allowed = [
        SESSION_EXPIRY_INTERVAL,
        RECEIVE_MAXIMUM,
        MAXIMUM_PACKET_SIZE,
        TOPIC_ALIAS_MAXIMUM,
        REQUEST_RESPONSE_INFORMATION,
        REQUEST_PROBLEM_INFORMATION,
        USER_PROPERTY,
        AUTHENTICATION_METHOD,
        AUTHENTICATION_DATA,
    ];
    read_into(r, &allowed, false, p)
}

pub fn read_will(r: &mut Reader) -> Result<Option<WillProperties>, CodecError> {
    let p = WillProperties {
        delay_interval: None,
        payload_format_indicator: None,
        message_expiry_interval: None,
        content_type: None,
        response_topic: None,
        correlation_data: None,
        user_properties: Vec::new(),
    };
    let allowed = [
        WILL_DELAY_INTERVAL,
        PAYLOAD_FORMAT_INDICATOR,
        MESSAGE_EXPIRY_INTERVAL,
        CONTENT_TYPE,
        RESPONSE_TOPIC,
        CORRELATION_DATA,
        USER_PROPERTY,
    ];
    read_into(r, &allowed, false, p)
}

pub fn read_connack(r: &mut Reader) -> Result<Option<ConnAckProperties>, CodecError> {
    let allowed = [
        SESSION_EXPIRY_INTERVAL,
        RECEIVE_MAXIMUM,
        MAXIMUM_QOS,
        RETAIN_AVAILABLE,
        MAXIMUM_PACKET_SIZE,
        ASSIGNED_CLIENT_IDENTIFIER,
        TOPIC_ALIAS_MAXIMUM,
        REASON_STRING,
        USER_PROPERTY,
        WILDCARD_SUBSCRIPTION_AVAILABLE,
        SUBSCRIPTION_IDENTIFIER_AVAILABLE,
        SHARED_SUBSCRIPTION_AVAILABLE,
        SERVER_KEEP_ALIVE,
        RESPONSE_INFORMATION,
        SERVER_REFERENCE,
        AUTHENTICATION_METHOD,
        AUTHENTICATION_DATA,
    ];
    read_into(
        r,
        &allowed,
        false,
        super::packet::empty_connack_properties(),
    )
}

pub fn read_publish(r: &mut Reader) -> Result<Option<PublishProperties>, CodecError> {
    let p = PublishProperties {
        payload_format_indicator: None,
        message_expiry_interval: None,
        topic_alias: None,
        response_topic: None,
        correlation_data: None,
        user_properties: Vec::new(),
        subscription_identifiers: Vec::new(),
        content_type: None,
    };
    let allowed = [
        PAYLOAD_FORMAT_INDICATOR,
        MESSAGE_EXPIRY_INTERVAL,
        TOPIC_ALIAS,
        RESPONSE_TOPIC,
        CORRELATION_DATA,
        USER_PROPERTY,
        SUBSCRIPTION_IDENTIFIER,
        CONTENT_TYPE,
    ];
    read_into(r, &allowed, true, p)
}

pub fn read_subscribe(r: &mut Reader) -> Result<Option<SubscribeProperties>, CodecError> {
    let p = SubscribeProperties {
        id: None,
        user_properties: Vec::new(),
    };
    read_into(r, &[SUBSCRIPTION_IDENTIFIER, USER_PROPERTY], false, p)
}

/// UNSUBSCRIBE allows only User Properties.
pub fn read_user_only(r: &mut Reader) -> Result<Vec<(String, String)>, CodecError> {
    let mut users = Vec::new();
    read_section(r, &[USER_PROPERTY], false, &mut users)?;
    Ok(users)
}

pub fn read_ack(r: &mut Reader) -> Result<Option<AckProperties>, CodecError> {
    read_into(
        r,
        &[REASON_STRING, USER_PROPERTY],
        false,
        AckProperties::default(),
    )
}

pub fn read_disconnect(r: &mut Reader) -> Result<Option<DisconnectProperties>, CodecError> {
    let allowed = [
        SESSION_EXPIRY_INTERVAL,
        REASON_STRING,
        USER_PROPERTY,
        SERVER_REFERENCE,
    ];
    read_into(r, &allowed, false, DisconnectProperties::default())
}

pub fn read_auth(r: &mut Reader) -> Result<Option<AuthProperties>, CodecError> {
    let allowed = [
        AUTHENTICATION_METHOD,
        AUTHENTICATION_DATA,
        REASON_STRING,
        USER_PROPERTY,
    ];
    read_into(r, &allowed, false, AuthProperties::default())
}

// ---- encoding ----

/// Property writers: each returns the section body; `write_section` adds the length.
fn byte(s: &mut Sink, id: u8, v: Option<u8>) {
    if let Some(v) = v {
        s.u8(id);
        s.u8(v);
    }
}

fn two(s: &mut Sink, id: u8, v: Option<u16>) {
    if let Some(v) = v {
        s.u8(id);
        s.u16(v);
    }
}

fn four(s: &mut Sink, id: u8, v: Option<u32>) {
    if let Some(v) = v {
        s.u8(id);
        s.u32(v);
    }
}

fn string(s: &mut Sink, id: u8, v: &Option<String>) -> Result<(), CodecError> {
    if let Some(v) = v {
        s.u8(id);
        s.string(v)?;
    }
    Ok(())
}

fn binary(s: &mut Sink, id: u8, v: &Option<Bytes>) -> Result<(), CodecError> {
    if let Some(v) = v {
        s.u8(id);
        s.binary(v)?;
    }
    Ok(())
}

fn users(s: &mut Sink, users: &[(String, String)]) -> Result<(), CodecError> {
    for (k, v) in users {
        s.u8(USER_PROPERTY);
        s.string(k)?;
        s.string(v)?;
    }
    Ok(())
}

fn sub_id(s: &mut Sink, id: usize) -> Result<(), CodecError> {
    let v = u32::try_from(id)
        .ok()
        .filter(|&v| v != 0 && v <= super::wire::VARINT_MAX)
        .ok_or(CodecError::ProtocolError(
            "Subscription Identifier out of range",
        ))?;
    s.u8(SUBSCRIPTION_IDENTIFIER);
    s.varint(v)
}

/// A property struct's section body. A trait of our own rather than a `dyn Fn` closure, whose
/// vtable carries `call_once`/`call_mut` shims nothing calls (about 40 bytes of wasm each).
pub trait WriteSection {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError>;
}

/// Writes `body`'s properties preceded by their length (a lone 0x00 for none); counts first
/// so the length is known. `body` is a trait object so this exists once in the wasm, not
/// once per packet type.
fn section(s: &mut Sink, body: Option<&dyn WriteSection>) -> Result<(), CodecError> {
    let Some(body) = body else {
        return s.varint(0);
    };
    let mut counter = Sink::counter();
    body.write(&mut counter)?;
    s.varint(section_len(counter.len)?)?;
    body.write(s)
}

impl WriteSection for ConnectProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        let p = self;
        four(s, SESSION_EXPIRY_INTERVAL, p.session_expiry_interval);
        two(s, RECEIVE_MAXIMUM, p.receive_maximum);
        four(s, MAXIMUM_PACKET_SIZE, p.max_packet_size);
        two(s, TOPIC_ALIAS_MAXIMUM, p.topic_alias_max);
        byte(s, REQUEST_RESPONSE_INFORMATION, p.request_response_info);
        byte(s, REQUEST_PROBLEM_INFORMATION, p.request_problem_info);
        users(s, &p.user_properties)?;
        string(s, AUTHENTICATION_METHOD, &p.authentication_method)?;
        binary(s, AUTHENTICATION_DATA, &p.authentication_data)
    }
}

impl WriteSection for WillProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        let p = self;
        four(s, WILL_DELAY_INTERVAL, p.delay_interval);
        byte(s, PAYLOAD_FORMAT_INDICATOR, p.payload_format_indicator);
        four(s, MESSAGE_EXPIRY_INTERVAL, p.message_expiry_interval);
        string(s, CONTENT_TYPE, &p.content_type)?;
        string(s, RESPONSE_TOPIC, &p.response_topic)?;
        binary(s, CORRELATION_DATA, &p.correlation_data)?;
        users(s, &p.user_properties)
    }
}

impl WriteSection for ConnAckProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        let p = self;
        four(s, SESSION_EXPIRY_INTERVAL, p.session_expiry_interval);
        two(s, RECEIVE_MAXIMUM, p.receive_max);
        byte(s, MAXIMUM_QOS, p.max_qos);
        byte(s, RETAIN_AVAILABLE, p.retain_available);
        four(s, MAXIMUM_PACKET_SIZE, p.max_packet_size);
        string(s, ASSIGNED_CLIENT_IDENTIFIER, &p.assigned_client_identifier)?;
        two(s, TOPIC_ALIAS_MAXIMUM, p.topic_alias_max);
        string(s, REASON_STRING, &p.reason_string)?;
        users(s, &p.user_properties)?;
        byte(
            s,
            WILDCARD_SUBSCRIPTION_AVAILABLE,
            p.wildcard_subscription_available,
        );
        byte(
            s,
            SUBSCRIPTION_IDENTIFIER_AVAILABLE,
            p.subscription_identifiers_available,
        );
        byte(
            s,
            SHARED_SUBSCRIPTION_AVAILABLE,
            p.shared_subscription_available,
        );
        two(s, SERVER_KEEP_ALIVE, p.server_keep_alive);
        string(s, RESPONSE_INFORMATION, &p.response_information)?;
        string(s, SERVER_REFERENCE, &p.server_reference)?;
        string(s, AUTHENTICATION_METHOD, &p.authentication_method)?;
        binary(s, AUTHENTICATION_DATA, &p.authentication_data)
    }
}

impl WriteSection for PublishProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        let p = self;
        byte(s, PAYLOAD_FORMAT_INDICATOR, p.payload_format_indicator);
        four(s, MESSAGE_EXPIRY_INTERVAL, p.message_expiry_interval);
        two(s, TOPIC_ALIAS, p.topic_alias);
        string(s, RESPONSE_TOPIC, &p.response_topic)?;
        binary(s, CORRELATION_DATA, &p.correlation_data)?;
        users(s, &p.user_properties)?;
        for &id in &p.subscription_identifiers {
            sub_id(s, id)?;
        }
        string(s, CONTENT_TYPE, &p.content_type)
    }
}

impl WriteSection for SubscribeProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        if let Some(id) = self.id {
            sub_id(s, id)?;
        }
        users(s, &self.user_properties)
    }
}

/// UNSUBSCRIBE's section: User Properties only.
struct UserOnly<'a>(&'a [(String, String)]);

impl WriteSection for UserOnly<'_> {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        users(s, self.0)
    }
}

impl WriteSection for AckProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        string(s, REASON_STRING, &self.reason_string)?;
        users(s, &self.user_properties)
    }
}

impl WriteSection for DisconnectProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        let p = self;
        four(s, SESSION_EXPIRY_INTERVAL, p.session_expiry_interval);
        string(s, REASON_STRING, &p.reason_string)?;
        users(s, &p.user_properties)?;
        string(s, SERVER_REFERENCE, &p.server_reference)
    }
}

impl WriteSection for AuthProperties {
    fn write(&self, s: &mut Sink) -> Result<(), CodecError> {
        let p = self;
        string(s, AUTHENTICATION_METHOD, &p.authentication_method)?;
        binary(s, AUTHENTICATION_DATA, &p.authentication_data)?;
        string(s, REASON_STRING, &p.reason_string)?;
        users(s, &p.user_properties)
    }
}

/// Writes the section for `p` (a lone 0x00 when there are none).
pub fn write<T: WriteSection>(s: &mut Sink, p: Option<&T>) -> Result<(), CodecError> {
    section(s, p.map(|p| p as &dyn WriteSection))
}

/// The body of `p`'s section (no length in front): the v5 properties the glue turns into
/// MQTT.js' object (js-glue/core/properties.js), written from the fields the decoder checked.
pub fn body(p: &dyn WriteSection) -> Vec<u8> {
    let mut out = Vec::new();
    // Cannot fail for decoded properties: every length and identifier was in range on the
    // wire. A failure would leave the glue a shorter section, which it still reads.
    let _ = p.write(&mut Sink::to(&mut out));
    out
}

pub fn write_user_only(s: &mut Sink, user: &[(String, String)]) -> Result<(), CodecError> {
    section(s, Some(&UserOnly(user)))
}

/// Whether a property set would write anything: acks, DISCONNECT and AUTH may then omit
/// the section (and the reason code) entirely.
pub fn ack_is_empty(p: Option<&AckProperties>) -> bool {
    p.is_none_or(|p| p.reason_string.is_none() && p.user_properties.is_empty())
}
