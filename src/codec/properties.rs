//! MQTT 5 properties (§2.2.2). mqttbytes 0.6 keeps its property writers private and rejects
//! nothing (duplicates, properties in the wrong packet, zero where zero is forbidden), so
//! this module reads and writes them itself, into mqttbytes' public property structs.
//!
//! Each property struct is described by a table (`PropertyStruct::FIELDS`: identifier, how
//! the field stores it, where it is), and one reader and one writer walk the tables, instead
//! of a reader and a writer per struct. Encoding writes properties in table order, which is
//! the order MQTT.js lists them in, so our bytes match mqtt-packet's for the same packet. An
//! empty property set decodes to `None`, and `Some(empty)` encodes like `None`.

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

/// Every identifier above, for telling an unknown property from one the packet does not allow.
const KNOWN: u64 = 1 << PAYLOAD_FORMAT_INDICATOR
    | 1 << MESSAGE_EXPIRY_INTERVAL
    | 1 << CONTENT_TYPE
    | 1 << RESPONSE_TOPIC
    | 1 << CORRELATION_DATA
    | 1 << SUBSCRIPTION_IDENTIFIER
    | 1 << SESSION_EXPIRY_INTERVAL
    | 1 << ASSIGNED_CLIENT_IDENTIFIER
    | 1 << SERVER_KEEP_ALIVE
    | 1 << AUTHENTICATION_METHOD
    | 1 << AUTHENTICATION_DATA
    | 1 << REQUEST_PROBLEM_INFORMATION
    | 1 << WILL_DELAY_INTERVAL
    | 1 << REQUEST_RESPONSE_INFORMATION
    | 1 << RESPONSE_INFORMATION
    | 1 << SERVER_REFERENCE
    | 1 << REASON_STRING
    | 1 << RECEIVE_MAXIMUM
    | 1 << TOPIC_ALIAS_MAXIMUM
    | 1 << TOPIC_ALIAS
    | 1 << MAXIMUM_QOS
    | 1 << RETAIN_AVAILABLE
    | 1 << USER_PROPERTY
    | 1 << MAXIMUM_PACKET_SIZE
    | 1 << WILDCARD_SUBSCRIPTION_AVAILABLE
    | 1 << SUBSCRIPTION_IDENTIFIER_AVAILABLE
    | 1 << SHARED_SUBSCRIPTION_AVAILABLE;

/// How a property struct stores a property, which also fixes its wire type (§2.2.2.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// `Option<u8>` holding 0 or 1.
    Flag,
    /// `Option<u8>` holding 0..=2 (Maximum QoS).
    Qos,
    /// `Option<u16>`.
    Two,
    /// `Option<u32>`.
    Four,
    /// `Option<usize>`: SUBSCRIBE's Subscription Identifier (a Variable Byte Integer).
    SubId,
    /// `Vec<usize>`: PUBLISH's Subscription Identifiers, which may repeat.
    SubIds,
    /// `Option<String>`.
    Text,
    /// `Option<Bytes>`.
    Data,
    /// `Vec<(String, String)>`: User Properties, which may repeat.
    Users,
}

/// One property of a property struct: its identifier, how it is stored and where.
#[derive(Clone, Copy)]
struct Field {
    offset: u16,
    id: u8,
    slot: Slot,
}

/// A property struct of mqttbytes' (or packet.rs'), described by a table instead of code of
/// its own: one reader and one writer, walking `FIELDS`, serve every packet. A reader and a
/// writer per struct were 1 KB more of the brotli-compressed core (docs/decisions.md).
///
/// # Safety
/// Each `Field`'s offset is that of a field of `Self` of the type its `Slot` names. The
/// `property_struct!` macro checks this at compile time.
unsafe trait PropertyStruct {
    /// The properties the packet allows, in the order they are written (MQTT.js' order).
    const FIELDS: &'static [Field];
}

/// The Rust type of a `Slot`.
macro_rules! slot_type {
    (Flag) => { Option<u8> };
    (Qos) => { Option<u8> };
    (Two) => { Option<u16> };
    (Four) => { Option<u32> };
    (SubId) => { Option<usize> };
    (SubIds) => { Vec<usize> };
    (Text) => { Option<String> };
    (Data) => { Option<Bytes> };
    (Users) => { Vec<(String, String)> };
}

macro_rules! property_struct {
    ($type:ty { $($id:ident => $field:ident: $slot:ident),* $(,)? }) => {
        // SAFETY: every offset is `offset_of!` a field whose type the function pointer
        // beside it checks against the slot's.
        unsafe impl PropertyStruct for $type {
            const FIELDS: &'static [Field] = &[$(Field {
                offset: {
                    let _typed: fn(&$type) -> &slot_type!($slot) = |p| &p.$field;
                    let offset = core::mem::offset_of!($type, $field);
                    assert!(offset <= u16::MAX as usize); // at compile time: FIELDS is a const
                    offset as u16
                },
                id: $id,
                slot: Slot::$slot,
            }),*];
        }
    };
}

property_struct!(ConnectProperties {
    SESSION_EXPIRY_INTERVAL => session_expiry_interval: Four,
    RECEIVE_MAXIMUM => receive_maximum: Two,
    MAXIMUM_PACKET_SIZE => max_packet_size: Four,
    TOPIC_ALIAS_MAXIMUM => topic_alias_max: Two,
    REQUEST_RESPONSE_INFORMATION => request_response_info: Flag,
    REQUEST_PROBLEM_INFORMATION => request_problem_info: Flag,
    USER_PROPERTY => user_properties: Users,
    AUTHENTICATION_METHOD => authentication_method: Text,
    AUTHENTICATION_DATA => authentication_data: Data,
});

property_struct!(WillProperties {
    WILL_DELAY_INTERVAL => delay_interval: Four,
    PAYLOAD_FORMAT_INDICATOR => payload_format_indicator: Flag,
    MESSAGE_EXPIRY_INTERVAL => message_expiry_interval: Four,
    CONTENT_TYPE => content_type: Text,
    RESPONSE_TOPIC => response_topic: Text,
    CORRELATION_DATA => correlation_data: Data,
    USER_PROPERTY => user_properties: Users,
});

property_struct!(ConnAckProperties {
    SESSION_EXPIRY_INTERVAL => session_expiry_interval: Four,
    RECEIVE_MAXIMUM => receive_max: Two,
    MAXIMUM_QOS => max_qos: Qos,
    RETAIN_AVAILABLE => retain_available: Flag,
    MAXIMUM_PACKET_SIZE => max_packet_size: Four,
    ASSIGNED_CLIENT_IDENTIFIER => assigned_client_identifier: Text,
    TOPIC_ALIAS_MAXIMUM => topic_alias_max: Two,
    REASON_STRING => reason_string: Text,
    USER_PROPERTY => user_properties: Users,
    WILDCARD_SUBSCRIPTION_AVAILABLE => wildcard_subscription_available: Flag,
    SUBSCRIPTION_IDENTIFIER_AVAILABLE => subscription_identifiers_available: Flag,
    SHARED_SUBSCRIPTION_AVAILABLE => shared_subscription_available: Flag,
    SERVER_KEEP_ALIVE => server_keep_alive: Two,
    RESPONSE_INFORMATION => response_information: Text,
    SERVER_REFERENCE => server_reference: Text,
    AUTHENTICATION_METHOD => authentication_method: Text,
    AUTHENTICATION_DATA => authentication_data: Data,
});

property_struct!(PublishProperties {
    PAYLOAD_FORMAT_INDICATOR => payload_format_indicator: Flag,
    MESSAGE_EXPIRY_INTERVAL => message_expiry_interval: Four,
    TOPIC_ALIAS => topic_alias: Two,
    RESPONSE_TOPIC => response_topic: Text,
    CORRELATION_DATA => correlation_data: Data,
    USER_PROPERTY => user_properties: Users,
    SUBSCRIPTION_IDENTIFIER => subscription_identifiers: SubIds,
    CONTENT_TYPE => content_type: Text,
});

property_struct!(SubscribeProperties {
    SUBSCRIPTION_IDENTIFIER => id: SubId,
    USER_PROPERTY => user_properties: Users,
});

property_struct!(AckProperties {
    REASON_STRING => reason_string: Text,
    USER_PROPERTY => user_properties: Users,
});

property_struct!(DisconnectProperties {
    SESSION_EXPIRY_INTERVAL => session_expiry_interval: Four,
    REASON_STRING => reason_string: Text,
    USER_PROPERTY => user_properties: Users,
    SERVER_REFERENCE => server_reference: Text,
});

property_struct!(AuthProperties {
    AUTHENTICATION_METHOD => authentication_method: Text,
    AUTHENTICATION_DATA => authentication_data: Data,
    REASON_STRING => reason_string: Text,
    USER_PROPERTY => user_properties: Users,
});

/// UNSUBSCRIBE's section, which allows only User Properties: the `Vec` itself is the field.
// SAFETY: offset 0 of a `Vec<(String, String)>` is the whole value, the type `Users` names.
unsafe impl PropertyStruct for Vec<(String, String)> {
    const FIELDS: &'static [Field] = &[Field {
        offset: 0,
        id: USER_PROPERTY,
        slot: Slot::Users,
    }];
}

/// Reads a property section into the struct at `base`, described by `fields`.
/// Rejects unknown properties, properties the packet does not allow, repeats of any property
/// but User Property and PUBLISH's Subscription Identifier, a flag other than 0 or 1, zero
/// where the spec forbids it and a Response Topic that is not a Topic Name [MQTT-2.2.2-1,
/// 3.3.2-14 and the per-packet rules]. Returns whether the section had any property.
///
/// # Safety
/// `base` points to a live value of the type `fields` describes (`PropertyStruct::FIELDS`).
unsafe fn read_section(
    r: &mut Reader,
    fields: &[Field],
    base: *mut u8,
) -> Result<bool, CodecError> {
    let len = r.varint()?;
    let mut section = Reader::new(r.take(len as usize)?);
    let mut seen: u64 = 0;
    let any = !section.is_empty();
    while !section.is_empty() {
        let id = section.u8()?;
        let Some(field) = fields.iter().find(|f| f.id == id) else {
            let known = id < 64 && KNOWN >> id & 1 != 0;
            return Err(if known {
                CodecError::ProtocolError("property not allowed in this packet")
            } else {
                CodecError::Malformed("unknown property")
            });
        };
        let bit = 1u64 << id; // every identifier in a table is below 64
        if seen & bit != 0 && !matches!(field.slot, Slot::Users | Slot::SubIds) {
            return Err(CodecError::ProtocolError("property repeated"));
        }
        seen |= bit;
        let at = base.add(field.offset as usize);
        match field.slot {
            Slot::Flag | Slot::Qos => {
                let b = section.u8()?;
                // The spec allows only 0 or 1 for Maximum QoS too [MQTT-3.2.2-9], but 2
                // ("everything") is unambiguous and MQTT.js sends it in its own tests:
                // accepted rather than dropping the connection.
                if field.slot == Slot::Flag && b > 1 {
                    return Err(CodecError::ProtocolError("property must be 0 or 1"));
                }
                if b > 2 {
                    return Err(CodecError::ProtocolError("Maximum QoS above 2"));
                }
                *(at as *mut Option<u8>) = Some(b);
            }
            Slot::Two => {
                let v = section.u16()?;
                if v == 0 && id == RECEIVE_MAXIMUM {
                    return Err(CodecError::ProtocolError("Receive Maximum 0"));
                }
                if v == 0 && id == TOPIC_ALIAS {
                    return Err(CodecError::ProtocolError("Topic Alias 0"));
                }
                *(at as *mut Option<u16>) = Some(v);
            }
            Slot::Four => {
                let v = section.u32()?;
                if v == 0 && id == MAXIMUM_PACKET_SIZE {
                    return Err(CodecError::ProtocolError("Maximum Packet Size 0"));
                }
                *(at as *mut Option<u32>) = Some(v);
            }
            Slot::SubId | Slot::SubIds => {
                let v = section.varint()? as usize;
                if v == 0 {
                    return Err(CodecError::ProtocolError("Subscription Identifier 0"));
                }
                if field.slot == Slot::SubId {
                    *(at as *mut Option<usize>) = Some(v);
                } else {
                    (*(at as *mut Vec<usize>)).push(v);
                }
            }
            Slot::Text => {
                let text = section.string()?;
                if id == RESPONSE_TOPIC {
                    super::validate::topic_name(&text)?;
                }
                *(at as *mut Option<String>) = Some(text);
            }
            Slot::Data => *(at as *mut Option<Bytes>) = Some(section.binary()?),
            Slot::Users => {
                let key = section.string()?;
                let value = section.string()?;
                (*(at as *mut Vec<(String, String)>)).push((key, value));
            }
        }
    }
    Ok(any)
}

/// `p` with the section read into it, or `None` when the section is empty.
fn read_into<T: PropertyStruct>(r: &mut Reader, mut p: T) -> Result<Option<T>, CodecError> {
    // SAFETY: `p` is a live `T` and `T::FIELDS` describes `T`.
    let any = unsafe { read_section(r, T::FIELDS, &mut p as *mut T as *mut u8)? };
    Ok(if any { Some(p) } else { None })
}

pub fn read_connect(r: &mut Reader) -> Result<Option<ConnectProperties>, CodecError> {
    read_into(r, super::packet::empty_connect_properties())
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
    read_into(r, p)
}

pub fn read_connack(r: &mut Reader) -> Result<Option<ConnAckProperties>, CodecError> {
    read_into(r, super::packet::empty_connack_properties())
}

pub fn read_publish(r: &mut Reader) -> Result<Option<PublishProperties>, CodecError> {
    read_into(r, super::packet::empty_publish_properties())
}

pub fn read_subscribe(r: &mut Reader) -> Result<Option<SubscribeProperties>, CodecError> {
    let p = SubscribeProperties {
        id: None,
        user_properties: Vec::new(),
    };
    read_into(r, p)
}

/// UNSUBSCRIBE allows only User Properties.
pub fn read_user_only(r: &mut Reader) -> Result<Vec<(String, String)>, CodecError> {
    Ok(read_into(r, Vec::new())?.unwrap_or_default())
}

pub fn read_ack(r: &mut Reader) -> Result<Option<AckProperties>, CodecError> {
    read_into(r, AckProperties::default())
}

pub fn read_disconnect(r: &mut Reader) -> Result<Option<DisconnectProperties>, CodecError> {
    read_into(r, DisconnectProperties::default())
}

pub fn read_auth(r: &mut Reader) -> Result<Option<AuthProperties>, CodecError> {
    read_into(r, AuthProperties::default())
}

// ---- encoding ----

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

/// A property struct to write: its table and where it is.
#[derive(Clone, Copy)]
pub struct Section<'a> {
    fields: &'static [Field],
    base: *const u8,
    _borrow: core::marker::PhantomData<&'a ()>,
}

impl<'a> Section<'a> {
    #[allow(private_bounds)] // the trait is the module's; the property structs are public
    pub fn of<T: PropertyStruct>(p: &'a T) -> Section<'a> {
        Section {
            fields: T::FIELDS,
            base: p as *const T as *const u8,
            _borrow: core::marker::PhantomData,
        }
    }

    /// The section body: every property present, in table order.
    fn write(self, s: &mut Sink) -> Result<(), CodecError> {
        for f in self.fields {
            // SAFETY: `of` paired `base`, a `T` borrowed for `'a`, with `T::FIELDS`.
            unsafe {
                let at = self.base.add(f.offset as usize);
                match f.slot {
                    Slot::Flag | Slot::Qos => {
                        if let Some(v) = *(at as *const Option<u8>) {
                            s.u8(f.id);
                            s.u8(v);
                        }
                    }
                    Slot::Two => {
                        if let Some(v) = *(at as *const Option<u16>) {
                            s.u8(f.id);
                            s.u16(v);
                        }
                    }
                    Slot::Four => {
                        if let Some(v) = *(at as *const Option<u32>) {
                            s.u8(f.id);
                            s.u32(v);
                        }
                    }
                    Slot::SubId => {
                        if let Some(v) = *(at as *const Option<usize>) {
                            sub_id(s, v)?;
                        }
                    }
                    Slot::SubIds => {
                        for &v in &*(at as *const Vec<usize>) {
                            sub_id(s, v)?;
                        }
                    }
                    Slot::Text => {
                        if let Some(v) = &*(at as *const Option<String>) {
                            s.u8(f.id);
                            s.string(v)?;
                        }
                    }
                    Slot::Data => {
                        if let Some(v) = &*(at as *const Option<Bytes>) {
                            s.u8(f.id);
                            s.binary(v)?;
                        }
                    }
                    Slot::Users => {
                        for (k, v) in &*(at as *const Vec<(String, String)>) {
                            s.u8(f.id);
                            s.string(k)?;
                            s.string(v)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Writes `body`'s properties preceded by their length (a lone 0x00 for none); counts first
/// so the length is known.
fn section(s: &mut Sink, body: Option<Section>) -> Result<(), CodecError> {
    let Some(body) = body else {
        return s.varint(0);
    };
    let mut counter = Sink::counter();
    body.write(&mut counter)?;
    s.varint(section_len(counter.len)?)?;
    body.write(s)
}

/// Writes the section for `p` (a lone 0x00 when there are none).
#[allow(private_bounds)]
pub fn write<T: PropertyStruct>(s: &mut Sink, p: Option<&T>) -> Result<(), CodecError> {
    section(s, p.map(Section::of))
}

/// The body of `p`'s section (no length in front): the v5 properties the glue turns into
/// MQTT.js' object (js-glue/core/properties.js), written from the fields the decoder checked.
pub fn body(p: Section) -> Vec<u8> {
    let mut out = Vec::new();
    // Cannot fail for decoded properties: every length and identifier was in range on the
    // wire. A failure would leave the glue a shorter section, which it still reads.
    let _ = p.write(&mut Sink::to(&mut out));
    out
}

/// UNSUBSCRIBE's section: User Properties only.
#[allow(clippy::ptr_arg)] // the table describes the `Vec`, not a slice
pub fn write_user_only(s: &mut Sink, user: &Vec<(String, String)>) -> Result<(), CodecError> {
    section(s, Some(Section::of(user)))
}

/// Whether a property set would write anything: acks, DISCONNECT and AUTH may then omit
/// the section (and the reason code) entirely.
pub fn ack_is_empty(p: Option<&AckProperties>) -> bool {
    p.is_none_or(|p| p.reason_string.is_none() && p.user_properties.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> [&'static [Field]; 9] {
        [
            ConnectProperties::FIELDS,
            WillProperties::FIELDS,
            ConnAckProperties::FIELDS,
            PublishProperties::FIELDS,
            SubscribeProperties::FIELDS,
            AckProperties::FIELDS,
            DisconnectProperties::FIELDS,
            AuthProperties::FIELDS,
            <Vec<(String, String)>>::FIELDS,
        ]
    }

    /// `read_section` keeps one bit per identifier in a `u64` and finds a field by identifier.
    #[test]
    fn every_table_lists_known_identifiers_once() {
        for fields in tables() {
            for (i, f) in fields.iter().enumerate() {
                assert!(f.id < 64 && KNOWN >> f.id & 1 == 1, "identifier {}", f.id);
                assert!(fields[..i].iter().all(|g| g.id != f.id), "{} twice", f.id);
            }
        }
    }

    /// The same identifier has one wire type in every packet.
    #[test]
    fn an_identifier_has_one_wire_type() {
        let wire = |slot: Slot| match slot {
            Slot::Flag | Slot::Qos => 1,
            Slot::Two => 2,
            Slot::Four => 4,
            Slot::SubId | Slot::SubIds => 5,
            Slot::Text => 6,
            Slot::Data => 7,
            Slot::Users => 8,
        };
        let all: Vec<Field> = tables().iter().flat_map(|t| t.iter().copied()).collect();
        for a in &all {
            for b in &all {
                if a.id == b.id {
                    assert_eq!(wire(a.slot), wire(b.slot), "identifier {}", a.id);
                }
            }
        }
    }
}
