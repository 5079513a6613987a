//! Options and the page's v5 properties, from MQTT.js' JS shapes (as records, see record.rs)
//! to the engine's types.
//!
//! Reading is two passes: a table check of every field (type and range, the message naming
//! the field), then infallible reads. Keeping the error paths out of the building code keeps
//! the wasm small: each `?` between allocations needed its own clean-up code.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::record::Value;
use crate::codec::{
    AuthProperties, ConnectProperties, DisconnectProperties, ProtocolVersion, PublishProperties,
    QoS, SubscribeFilter, SubscribeProperties, WillProperties,
};
use crate::engine::{Backoff, Options, WillOptions};

/// What a field must hold when present (absent and null are always fine). Fieldless, so a
/// check table entry stays small.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// A string (as UTF-8) or bytes: MQTT.js takes both for passwords and payloads.
    Binary,
    /// Whole numbers up to 255, 65,535 or 4,294,967,295.
    Byte,
    U16,
    U32,
    /// `{name: value | [values]}` with string values (MQTT.js `userProperties`).
    UserProperties,
}

/// A field, what it must hold, and the message when it does not.
type Check = (&'static str, Kind, &'static str);
type Checks = [Check];

// In both CONNECT and AUTH properties.
const AUTHENTICATION_METHOD: Check = (
    "authenticationMethod",
    Kind::Text,
    "properties.authenticationMethod must be a string",
);
const AUTHENTICATION_DATA: Check = (
    "authenticationData",
    Kind::Binary,
    "properties.authenticationData must be bytes",
);

/// The first field in `checks` that does not hold its kind, as its message.
fn check(obj: &Value, checks: &Checks) -> Result<(), &'static str> {
    for &(key, kind, err) in checks {
        let ok = match (kind, obj.get(key)) {
            (_, Value::Absent) => true,
            (Kind::Text, Value::Str(_)) => true,
            (Kind::Binary, Value::Str(_) | Value::Bytes(_)) => true,
            (Kind::Byte | Kind::U16 | Kind::U32, Value::Num(n)) => {
                let max = match kind {
                    Kind::Byte => 255.0,
                    Kind::U16 => 65_535.0,
                    _ => 4_294_967_295.0,
                };
                n >= 0.0 && n <= max && n == (n as u64) as f64
            }
            (Kind::UserProperties, v) => user_properties_of(&v).is_some(),
            _ => false,
        };
        if !ok {
            return Err(err);
        }
    }
    Ok(())
}

// Readers for checked fields: a wrong type reads as absent, which `check` already refused.

pub fn text(obj: &Value, key: &str) -> Option<String> {
    match obj.get(key) {
        Value::Str(s) => Some(String::from(s)),
        _ => None,
    }
}

fn whole(obj: &Value, key: &str) -> Option<u32> {
    match obj.get(key) {
        Value::Num(n) => Some(n as u32),
        _ => None,
    }
}

fn whole16(obj: &Value, key: &str) -> Option<u16> {
    whole(obj, key).map(|n| n as u16)
}

fn ms(obj: &Value, key: &str) -> Option<u64> {
    whole(obj, key).map(u64::from)
}

fn boolean(obj: &Value, key: &str) -> Option<bool> {
    let v = obj.get(key);
    if v.is_absent() {
        None
    } else {
        Some(v.truthy())
    }
}

fn flag(obj: &Value, key: &str) -> Option<u8> {
    boolean(obj, key).map(u8::from)
}

/// A string (UTF-8 encoded) or bytes.
pub fn binary_of(v: &Value) -> Option<Vec<u8>> {
    match *v {
        Value::Str(s) => Some(Vec::from(s.as_bytes())),
        Value::Bytes(b) => Some(Vec::from(b)),
        _ => None,
    }
}

fn binary(obj: &Value, key: &str) -> Option<Bytes> {
    binary_of(&obj.get(key)).map(crate::codec::bytes_of)
}

/// `{name: value | [values]}` → pairs in order; `None` when a value is not a string.
fn user_properties_of(v: &Value) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    if v.is_absent() {
        return Some(out);
    }
    let mut ok = true;
    let parsed = v.each_entry(|name, value| {
        let list = value.items();
        let values = list.as_deref().unwrap_or(core::slice::from_ref(&value));
        for item in values {
            match *item {
                Value::Str(s) => out.push((String::from(name), String::from(s))),
                _ => ok = false,
            }
        }
    });
    (parsed && ok).then_some(out)
}

const USER_PROPERTIES_ERR: &str = "userProperties must map names to strings or string arrays";

fn user_properties(obj: &Value) -> Vec<(String, String)> {
    user_properties_of(&obj.get("userProperties")).unwrap_or_default()
}

/// Checked user properties of a properties object (UNSUBSCRIBE's only property).
pub fn checked_user_properties(p: &Value) -> Result<Vec<(String, String)>, &'static str> {
    user_properties_of(&p.get("userProperties")).ok_or(USER_PROPERTIES_ERR)
}

fn qos_of(q: Option<u32>) -> QoS {
    match q {
        Some(2) => QoS::ExactlyOnce,
        Some(1) => QoS::AtLeastOnce,
        _ => QoS::AtMostOnce,
    }
}

const CONNECT_PROPERTIES: &Checks = &[
    (
        "sessionExpiryInterval",
        Kind::U32,
        "properties.sessionExpiryInterval must be a whole number",
    ),
    (
        "receiveMaximum",
        Kind::U16,
        "properties.receiveMaximum must be 1..65535",
    ),
    (
        "maximumPacketSize",
        Kind::U32,
        "properties.maximumPacketSize must be a whole number",
    ),
    (
        "topicAliasMaximum",
        Kind::U16,
        "properties.topicAliasMaximum must be 0..65535",
    ),
    ("userProperties", Kind::UserProperties, USER_PROPERTIES_ERR),
    AUTHENTICATION_METHOD,
    AUTHENTICATION_DATA,
];

fn connect_properties(p: &Value) -> ConnectProperties {
    ConnectProperties {
        session_expiry_interval: whole(p, "sessionExpiryInterval"),
        receive_maximum: whole16(p, "receiveMaximum"),
        max_packet_size: whole(p, "maximumPacketSize"),
        topic_alias_max: whole16(p, "topicAliasMaximum"),
        request_response_info: flag(p, "requestResponseInformation"),
        request_problem_info: flag(p, "requestProblemInformation"),
        user_properties: user_properties(p),
        authentication_method: text(p, "authenticationMethod"),
        authentication_data: binary(p, "authenticationData"),
    }
}

const WILL: &Checks = &[
    ("topic", Kind::Text, "will.topic must be a string"),
    (
        "payload",
        Kind::Binary,
        "will.payload must be a string or bytes",
    ),
    ("qos", Kind::Byte, "will.qos must be 0, 1 or 2"),
];

const WILL_PROPERTIES: &Checks = &[
    (
        "willDelayInterval",
        Kind::U32,
        "will.properties.willDelayInterval must be a whole number",
    ),
    (
        "messageExpiryInterval",
        Kind::U32,
        "will.properties.messageExpiryInterval must be a whole number",
    ),
    (
        "contentType",
        Kind::Text,
        "will.properties.contentType must be a string",
    ),
    (
        "responseTopic",
        Kind::Text,
        "will.properties.responseTopic must be a string",
    ),
    (
        "correlationData",
        Kind::Binary,
        "will.properties.correlationData must be bytes",
    ),
    ("userProperties", Kind::UserProperties, USER_PROPERTIES_ERR),
];

fn will_properties(p: &Value) -> WillProperties {
    WillProperties {
        delay_interval: whole(p, "willDelayInterval"),
        payload_format_indicator: flag(p, "payloadFormatIndicator"),
        message_expiry_interval: whole(p, "messageExpiryInterval"),
        content_type: text(p, "contentType"),
        response_topic: text(p, "responseTopic"),
        correlation_data: binary(p, "correlationData"),
        user_properties: user_properties(p),
    }
}

const OPTIONS: &Checks = &[
    ("clientId", Kind::Text, "clientId must be a string"),
    (
        "protocolVersion",
        Kind::Byte,
        "protocolVersion must be 3, 4 or 5",
    ),
    ("keepalive", Kind::U16, "keepalive must be 0..65535 seconds"),
    ("username", Kind::Text, "username must be a string"),
    (
        "password",
        Kind::Binary,
        "password must be a string or bytes",
    ),
    (
        "connectTimeout",
        Kind::U32,
        "connectTimeout must be a whole number of ms",
    ),
    (
        "reconnectPeriod",
        Kind::U32,
        "reconnectPeriod must be a whole number of ms",
    ),
    (
        "sameClientIdWindow",
        Kind::U32,
        "sameClientIdWindow must be a whole number of ms",
    ),
    (
        "maxReconnectAttempts",
        Kind::U32,
        "maxReconnectAttempts must be a whole number",
    ),
    (
        "sameClientIdLimit",
        Kind::U32,
        "sameClientIdLimit must be a whole number",
    ),
    ("queueLimit", Kind::U32, "queueLimit must be a whole number"),
    (
        "queueByteLimit",
        Kind::U32,
        "queueByteLimit must be a whole number of bytes",
    ),
    ("maxInflight", Kind::U16, "maxInflight must be 1..65535"),
    (
        "maxIncomingPacketSize",
        Kind::U32,
        "maxIncomingPacketSize must be a whole number",
    ),
];

/// The glue's normalised options (docs/core-interface.md) → engine options.
pub fn options(js: &Value) -> Result<Options, &'static str> {
    if !matches!(js, Value::Object(_)) {
        return Err("options must be an object");
    }
    check(js, OPTIONS)?;
    let protocol = match whole(js, "protocolVersion").unwrap_or(4) {
        3 => ProtocolVersion::V3_1,
        4 => ProtocolVersion::V3_1_1,
        5 => ProtocolVersion::V5,
        _ => return Err("protocolVersion must be 3, 4 or 5"),
    };
    let v5 = protocol.is_v5();
    let will = js.get("will");
    let will_props = will.get("properties");
    if !will.is_absent() {
        if will.get("topic").is_absent() {
            return Err("will.topic is required");
        }
        check(&will, WILL)?;
        if whole(&will, "qos").unwrap_or(0) > 2 {
            return Err("will.qos must be 0, 1 or 2");
        }
        if v5 && !will_props.is_absent() {
            check(&will_props, WILL_PROPERTIES)?;
        }
    }
    let props = js.get("properties");
    if v5 && !props.is_absent() {
        check(&props, CONNECT_PROPERTIES)?;
    }

    // Everything is checked: from here on nothing fails.
    let mut o = Options::new(&text(js, "clientId").unwrap_or_default());
    o.protocol = protocol;
    if let Some(v) = whole16(js, "keepalive") {
        o.keepalive_s = v;
    }
    o.username = text(js, "username");
    o.password = binary(js, "password");
    if !will.is_absent() {
        o.will = Some(WillOptions {
            topic: text(&will, "topic").unwrap_or_default(),
            payload: binary(&will, "payload").unwrap_or_default(),
            qos: qos_of(whole(&will, "qos")),
            retain: boolean(&will, "retain").unwrap_or(false),
            properties: (v5 && !will_props.is_absent()).then(|| will_properties(&will_props)),
        });
    }
    if v5 && !props.is_absent() {
        o.properties = Some(connect_properties(&props));
    }
    let times: [(&str, &mut u64); 3] = [
        ("connectTimeout", &mut o.connect_timeout_ms),
        ("reconnectPeriod", &mut o.reconnect_period_ms),
        ("sameClientIdWindow", &mut o.same_client_id_window_ms),
    ];
    for (key, slot) in times {
        if let Some(v) = ms(js, key) {
            *slot = v;
        }
    }
    let counts: [(&str, &mut u32); 2] = [
        ("maxReconnectAttempts", &mut o.max_reconnect_attempts),
        ("sameClientIdLimit", &mut o.same_client_id_limit),
    ];
    for (key, slot) in counts {
        if let Some(v) = whole(js, key) {
            *slot = v;
        }
    }
    if let Some(v) = whole(js, "queueLimit") {
        o.queue_limit = v as usize;
    }
    if let Some(v) = whole(js, "queueByteLimit") {
        o.queue_byte_limit = v as usize;
    }
    o.max_inflight = whole16(js, "maxInflight");
    if let Some(v) = whole(js, "maxIncomingPacketSize") {
        o.max_incoming_packet_size = v as usize;
    }
    let flags: [(&str, &mut bool); 9] = [
        ("reconnectOnConnackError", &mut o.reconnect_on_connack_error),
        ("resubscribe", &mut o.resubscribe),
        ("queueQoSZero", &mut o.queue_qos_zero),
        ("reschedulePings", &mut o.reschedule_pings),
        ("autoUseTopicAlias", &mut o.auto_use_topic_alias),
        ("autoAssignTopicAlias", &mut o.auto_assign_topic_alias),
        ("credentialsProvider", &mut o.credentials_provider),
        ("clean", &mut o.clean),
        ("stopOnClientIdTaken", &mut o.stop_on_client_id_taken),
    ];
    for (key, slot) in flags {
        if let Some(v) = boolean(js, key) {
            *slot = v;
        }
    }
    let backoff = js.get("backoff");
    if !backoff.is_absent() {
        let num = |key: &str| match backoff.get(key) {
            Value::Num(n) => Some(n),
            _ => None,
        };
        o.backoff = Some(Backoff {
            // Clamped to setTimeout's range: Infinity or 1e300 must not become u64::MAX.
            initial_ms: ms_clamped(num("initial").unwrap_or(1000.0)),
            max_ms: ms_clamped(num("max").unwrap_or(30_000.0)),
            multiplier: num("multiplier").unwrap_or(2.0),
            jitter: num("jitter").unwrap_or(0.5),
        });
    }
    Ok(o)
}

const PUBLISH_PROPERTIES: &Checks = &[
    (
        "subscriptionIdentifier",
        Kind::U32,
        "properties.subscriptionIdentifier must be a whole number",
    ),
    (
        "messageExpiryInterval",
        Kind::U32,
        "properties.messageExpiryInterval must be a whole number",
    ),
    (
        "topicAlias",
        Kind::U16,
        "properties.topicAlias must be 1..65535",
    ),
    (
        "responseTopic",
        Kind::Text,
        "properties.responseTopic must be a string",
    ),
    (
        "correlationData",
        Kind::Binary,
        "properties.correlationData must be bytes",
    ),
    ("userProperties", Kind::UserProperties, USER_PROPERTIES_ERR),
    (
        "contentType",
        Kind::Text,
        "properties.contentType must be a string",
    ),
];

/// Boxed: a PUBLISH keeps its properties out of line (codec/packet.rs).
pub fn publish_properties(p: &Value) -> Result<Option<Box<PublishProperties>>, &'static str> {
    if p.is_absent() {
        return Ok(None);
    }
    check(p, PUBLISH_PROPERTIES)?;
    Ok(Some(Box::new(PublishProperties {
        payload_format_indicator: flag(p, "payloadFormatIndicator"),
        message_expiry_interval: whole(p, "messageExpiryInterval"),
        topic_alias: whole16(p, "topicAlias"),
        response_topic: text(p, "responseTopic"),
        correlation_data: binary(p, "correlationData"),
        user_properties: user_properties(p),
        subscription_identifiers: whole(p, "subscriptionIdentifier")
            .map(|i| alloc::vec![i as usize])
            .unwrap_or_default(),
        content_type: text(p, "contentType"),
    })))
}

const SUBSCRIBE_PROPERTIES: &Checks = &[
    (
        "subscriptionIdentifier",
        Kind::U32,
        "properties.subscriptionIdentifier must be a whole number",
    ),
    ("userProperties", Kind::UserProperties, USER_PROPERTIES_ERR),
];

pub fn subscribe_properties(p: &Value) -> Result<Option<SubscribeProperties>, &'static str> {
    if p.is_absent() {
        return Ok(None);
    }
    check(p, SUBSCRIBE_PROPERTIES)?;
    Ok(Some(SubscribeProperties {
        id: whole(p, "subscriptionIdentifier").map(|i| i as usize),
        user_properties: user_properties(p),
    }))
}

const DISCONNECT_PROPERTIES: &Checks = &[
    (
        "sessionExpiryInterval",
        Kind::U32,
        "properties.sessionExpiryInterval must be a whole number",
    ),
    (
        "reasonString",
        Kind::Text,
        "properties.reasonString must be a string",
    ),
    (
        "serverReference",
        Kind::Text,
        "properties.serverReference must be a string",
    ),
    ("userProperties", Kind::UserProperties, USER_PROPERTIES_ERR),
];

/// The properties of the page's DISCONNECT (`end(force, {reasonCode, properties})`).
pub fn disconnect_properties(p: &Value) -> Result<Option<DisconnectProperties>, &'static str> {
    if p.is_absent() {
        return Ok(None);
    }
    check(p, DISCONNECT_PROPERTIES)?;
    Ok(Some(DisconnectProperties {
        session_expiry_interval: whole(p, "sessionExpiryInterval"),
        reason_string: text(p, "reasonString"),
        user_properties: user_properties(p),
        server_reference: text(p, "serverReference"),
    }))
}

const AUTH_PROPERTIES: &Checks = &[
    AUTHENTICATION_METHOD,
    AUTHENTICATION_DATA,
    (
        "reasonString",
        Kind::Text,
        "properties.reasonString must be a string",
    ),
    ("userProperties", Kind::UserProperties, USER_PROPERTIES_ERR),
];

pub fn auth_properties(p: &Value) -> Result<Option<AuthProperties>, &'static str> {
    if p.is_absent() {
        return Ok(None);
    }
    check(p, AUTH_PROPERTIES)?;
    Ok(Some(AuthProperties {
        authentication_method: text(p, "authenticationMethod"),
        authentication_data: binary(p, "authenticationData"),
        reason_string: text(p, "reasonString"),
        user_properties: user_properties(p),
    }))
}

/// A JS number of milliseconds within 0..=2^31-1 (setTimeout's limit); NaN → 0.
fn ms_clamped(v: f64) -> u64 {
    if v.is_nan() || v <= 0.0 {
        0
    } else if v >= 2_147_483_647.0 {
        2_147_483_647
    } else {
        v as u64
    }
}

const FILTER_SHAPE: &str = "subscribe: filters must be [{topic, qos}]";
const FILTER_QOS: &str = "Invalid QoS: must be 0, 1 or 2";
const FILTER_RH: &Checks = &[(
    "rh",
    Kind::Byte,
    "Invalid retain handling: must be 0, 1 or 2",
)];

/// `[{topic, qos, nl, rap, rh}]` → filters; `Err` names what is wrong.
pub fn filters(
    list: &Value,
) -> Result<Vec<SubscribeFilter>, (crate::engine::OpError, &'static str)> {
    use crate::engine::OpError;
    let items = list
        .items()
        .ok_or((OpError::InvalidArgument, FILTER_SHAPE))?;
    for f in &items {
        if !matches!(f.get("topic"), Value::Str(_)) {
            return Err((OpError::InvalidArgument, FILTER_SHAPE));
        }
        let qos_ok = match f.get("qos") {
            Value::Absent => true,
            Value::Num(n) => n == 0.0 || n == 1.0 || n == 2.0,
            _ => false,
        };
        if !qos_ok {
            return Err((OpError::InvalidQoS, FILTER_QOS));
        }
        check(f, FILTER_RH).map_err(|e| (OpError::InvalidArgument, e))?;
    }
    let mut filters = Vec::new();
    for f in &items {
        filters.push(SubscribeFilter {
            filter: text(f, "topic").unwrap_or_default(),
            qos: qos_of(whole(f, "qos")),
            no_local: boolean(f, "nl").unwrap_or(false),
            retain_as_published: boolean(f, "rap").unwrap_or(false),
            retain_handling: whole(f, "rh").unwrap_or(0) as u8,
        });
    }
    Ok(filters)
}

/// `string[]` → topics.
pub fn topics(list: &Value) -> Option<Vec<String>> {
    // A loop, not `collect::<Option<Vec<_>>>()`, which cost 470 bytes of wasm.
    let mut topics = Vec::new();
    for t in list.items()? {
        let Value::Str(s) = t else { return None };
        topics.push(String::from(s));
    }
    Some(topics)
}
