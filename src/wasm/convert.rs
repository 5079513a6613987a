//! Options and v5 properties between MQTT.js' JS shapes (as records, see record.rs) and the
//! engine's types.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::record::{ObjectWriter, Value};
use crate::codec::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    ProtocolVersion, PublishProperties, QoS, SubscribeFilter, SubscribeProperties, WillProperties,
};
use crate::engine::{Backoff, Options, WillOptions};

// Every error names its field: the page learns which option or property is wrong.

type Field<T> = Result<Option<T>, &'static str>;

fn string(obj: &Value, key: &str, err: &'static str) -> Field<String> {
    match obj.get(key) {
        Value::Absent => Ok(None),
        Value::Str(s) => Ok(Some(String::from(s))),
        _ => Err(err),
    }
}

fn boolean(obj: &Value, key: &str) -> Option<bool> {
    let v = obj.get(key);
    if v.is_absent() {
        None
    } else {
        Some(v.truthy())
    }
}

/// A whole number within 0..=max.
fn number(obj: &Value, key: &str, max: f64, err: &'static str) -> Field<u32> {
    match obj.get(key) {
        Value::Absent => Ok(None),
        Value::Num(n) if n >= 0.0 && n <= max && n == (n as u64) as f64 => Ok(Some(n as u32)),
        _ => Err(err),
    }
}

fn u16_field(obj: &Value, key: &str, err: &'static str) -> Field<u16> {
    Ok(number(obj, key, 65_535.0, err)?.map(|n| n as u16))
}

fn u32_field(obj: &Value, key: &str, err: &'static str) -> Field<u32> {
    number(obj, key, 4_294_967_295.0, err)
}

/// A string (UTF-8 encoded) or any byte view: MQTT.js accepts both for passwords and payloads.
pub fn binary_of(v: &Value) -> Option<Vec<u8>> {
    match *v {
        Value::Str(s) => Some(Vec::from(s.as_bytes())),
        Value::Bytes(b) => Some(Vec::from(b)),
        _ => None,
    }
}

fn binary(obj: &Value, key: &str, err: &'static str) -> Field<Bytes> {
    let v = obj.get(key);
    if v.is_absent() {
        return Ok(None);
    }
    binary_of(&v).map(|b| Some(Bytes::from(b))).ok_or(err)
}

/// MQTT.js `userProperties`: `{name: value | [values]}`, order kept.
fn user_properties(obj: &Value) -> Result<Vec<(String, String)>, &'static str> {
    const ERR: &str = "userProperties must map names to strings or string arrays";
    let v = obj.get("userProperties");
    let mut out = Vec::new();
    if v.is_absent() {
        return Ok(out);
    }
    let mut ok = true;
    let parsed = v.each_entry(|name, value| {
        let mut push = |item: &Value| match *item {
            Value::Str(s) => out.push((String::from(name), String::from(s))),
            _ => ok = false,
        };
        match value.items() {
            Some(list) => list.iter().for_each(&mut push),
            None => push(&value),
        }
    });
    if parsed && ok {
        Ok(out)
    } else {
        Err(ERR)
    }
}

fn flag(obj: &Value, key: &str) -> Option<u8> {
    boolean(obj, key).map(u8::from)
}

fn qos(q: Option<u32>, err: &'static str) -> Result<QoS, &'static str> {
    match q.unwrap_or(0) {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        2 => Ok(QoS::ExactlyOnce),
        _ => Err(err),
    }
}

fn connect_properties(p: &Value) -> Result<ConnectProperties, &'static str> {
    Ok(ConnectProperties {
        session_expiry_interval: u32_field(
            p,
            "sessionExpiryInterval",
            "properties.sessionExpiryInterval must be a whole number",
        )?,
        receive_maximum: u16_field(
            p,
            "receiveMaximum",
            "properties.receiveMaximum must be 1..65535",
        )?,
        max_packet_size: u32_field(
            p,
            "maximumPacketSize",
            "properties.maximumPacketSize must be a whole number",
        )?,
        topic_alias_max: u16_field(
            p,
            "topicAliasMaximum",
            "properties.topicAliasMaximum must be 0..65535",
        )?,
        request_response_info: flag(p, "requestResponseInformation"),
        request_problem_info: flag(p, "requestProblemInformation"),
        user_properties: user_properties(p)?,
        authentication_method: string(
            p,
            "authenticationMethod",
            "properties.authenticationMethod must be a string",
        )?,
        authentication_data: binary(
            p,
            "authenticationData",
            "properties.authenticationData must be bytes",
        )?,
    })
}

fn will_properties(p: &Value) -> Result<WillProperties, &'static str> {
    Ok(WillProperties {
        delay_interval: u32_field(
            p,
            "willDelayInterval",
            "will.properties.willDelayInterval must be a whole number",
        )?,
        payload_format_indicator: flag(p, "payloadFormatIndicator"),
        message_expiry_interval: u32_field(
            p,
            "messageExpiryInterval",
            "will.properties.messageExpiryInterval must be a whole number",
        )?,
        content_type: string(
            p,
            "contentType",
            "will.properties.contentType must be a string",
        )?,
        response_topic: string(
            p,
            "responseTopic",
            "will.properties.responseTopic must be a string",
        )?,
        correlation_data: binary(
            p,
            "correlationData",
            "will.properties.correlationData must be bytes",
        )?,
        user_properties: user_properties(p)?,
    })
}

/// The glue's normalised options (docs/core-interface.md) → engine options.
pub fn options(js: &Value) -> Result<Options, &'static str> {
    if !matches!(js, Value::Object(_)) {
        return Err("options must be an object");
    }
    let client_id = string(js, "clientId", "clientId must be a string")?.unwrap_or_default();
    let mut o = Options::new(&client_id);
    o.protocol = match number(
        js,
        "protocolVersion",
        255.0,
        "protocolVersion must be 3, 4 or 5",
    )?
    .unwrap_or(4)
    {
        3 => ProtocolVersion::V3_1,
        4 => ProtocolVersion::V3_1_1,
        5 => ProtocolVersion::V5,
        _ => return Err("protocolVersion must be 3, 4 or 5"),
    };
    let v5 = o.protocol.is_v5();
    if let Some(v) = boolean(js, "clean") {
        o.clean = v;
    }
    if let Some(v) = u16_field(js, "keepalive", "keepalive must be 0..65535 seconds")? {
        o.keepalive_s = v;
    }
    o.username = string(js, "username", "username must be a string")?;
    o.password = binary(js, "password", "password must be a string or bytes")?;
    let will = js.get("will");
    if !will.is_absent() {
        let topic = string(&will, "topic", "will.topic must be a string")?
            .ok_or("will.topic is required")?;
        let props = will.get("properties");
        o.will = Some(WillOptions {
            topic,
            payload: binary(&will, "payload", "will.payload must be a string or bytes")?
                .unwrap_or_default(),
            qos: qos(
                number(&will, "qos", 255.0, "will.qos must be 0, 1 or 2")?,
                "will.qos must be 0, 1 or 2",
            )?,
            retain: boolean(&will, "retain").unwrap_or(false),
            properties: if v5 && !props.is_absent() {
                Some(will_properties(&props)?)
            } else {
                None
            },
        });
    }
    let props = js.get("properties");
    if v5 && !props.is_absent() {
        o.properties = Some(connect_properties(&props)?);
    }
    let ms = |key: &str, err: &'static str| -> Field<u64> {
        Ok(u32_field(js, key, err)?.map(u64::from))
    };
    if let Some(v) = ms(
        "connectTimeout",
        "connectTimeout must be a whole number of ms",
    )? {
        o.connect_timeout_ms = v;
    }
    if let Some(v) = ms(
        "reconnectPeriod",
        "reconnectPeriod must be a whole number of ms",
    )? {
        o.reconnect_period_ms = v;
    }
    if let Some(v) = ms(
        "sameClientIdWindow",
        "sameClientIdWindow must be a whole number of ms",
    )? {
        o.same_client_id_window_ms = v;
    }
    if let Some(v) = u32_field(
        js,
        "maxReconnectAttempts",
        "maxReconnectAttempts must be a whole number",
    )? {
        o.max_reconnect_attempts = v;
    }
    if let Some(v) = u32_field(
        js,
        "sameClientIdLimit",
        "sameClientIdLimit must be a whole number",
    )? {
        o.same_client_id_limit = v;
    }
    if let Some(v) = u32_field(js, "queueLimit", "queueLimit must be a whole number")? {
        o.queue_limit = v as usize;
    }
    if let Some(v) = u32_field(
        js,
        "maxIncomingPacketSize",
        "maxIncomingPacketSize must be a whole number",
    )? {
        o.max_incoming_packet_size = v as usize;
    }
    let flags: [(&str, &mut bool); 8] = [
        ("reconnectOnConnackError", &mut o.reconnect_on_connack_error),
        ("resubscribe", &mut o.resubscribe),
        ("queueQoSZero", &mut o.queue_qos_zero),
        ("reschedulePings", &mut o.reschedule_pings),
        ("autoUseTopicAlias", &mut o.auto_use_topic_alias),
        ("autoAssignTopicAlias", &mut o.auto_assign_topic_alias),
        ("credentialsProvider", &mut o.credentials_provider),
        ("clean", &mut o.clean),
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

pub fn publish_properties(p: &Value) -> Result<Option<PublishProperties>, &'static str> {
    if p.is_absent() {
        return Ok(None);
    }
    let sub_id = u32_field(
        p,
        "subscriptionIdentifier",
        "properties.subscriptionIdentifier must be a whole number",
    )?;
    Ok(Some(PublishProperties {
        payload_format_indicator: flag(p, "payloadFormatIndicator"),
        message_expiry_interval: u32_field(
            p,
            "messageExpiryInterval",
            "properties.messageExpiryInterval must be a whole number",
        )?,
        topic_alias: u16_field(p, "topicAlias", "properties.topicAlias must be 1..65535")?,
        response_topic: string(
            p,
            "responseTopic",
            "properties.responseTopic must be a string",
        )?,
        correlation_data: binary(
            p,
            "correlationData",
            "properties.correlationData must be bytes",
        )?,
        user_properties: user_properties(p)?,
        subscription_identifiers: sub_id.map(|i| alloc::vec![i as usize]).unwrap_or_default(),
        content_type: string(p, "contentType", "properties.contentType must be a string")?,
    }))
}

pub fn subscribe_properties(p: &Value) -> Result<Option<SubscribeProperties>, &'static str> {
    if p.is_absent() {
        return Ok(None);
    }
    Ok(Some(SubscribeProperties {
        id: u32_field(
            p,
            "subscriptionIdentifier",
            "properties.subscriptionIdentifier must be a whole number",
        )?
        .map(|i| i as usize),
        user_properties: user_properties(p)?,
    }))
}

pub fn user_properties_of(p: &Value) -> Result<Vec<(String, String)>, &'static str> {
    user_properties(p)
}

pub fn auth_properties(p: &Value) -> Result<Option<AuthProperties>, &'static str> {
    if p.is_absent() {
        return Ok(None);
    }
    Ok(Some(AuthProperties {
        authentication_method: string(
            p,
            "authenticationMethod",
            "properties.authenticationMethod must be a string",
        )?,
        authentication_data: binary(
            p,
            "authenticationData",
            "properties.authenticationData must be bytes",
        )?,
        reason_string: string(
            p,
            "reasonString",
            "properties.reasonString must be a string",
        )?,
        user_properties: user_properties(p)?,
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

/// `[{topic, qos, nl, rap, rh}]` → filters; `Err` names what is wrong.
pub fn filters(
    list: &Value,
) -> Result<Vec<SubscribeFilter>, (crate::engine::OpError, &'static str)> {
    use crate::engine::OpError;
    const SHAPE: &str = "subscribe: filters must be [{topic, qos}]";
    let items = list.items().ok_or((OpError::InvalidArgument, SHAPE))?;
    let mut out = Vec::new();
    for f in &items {
        let topic = string(f, "topic", SHAPE)
            .map_err(|e| (OpError::InvalidArgument, e))?
            .ok_or((OpError::InvalidArgument, SHAPE))?;
        let q = number(f, "qos", 255.0, "Invalid QoS: must be 0, 1 or 2")
            .map_err(|e| (OpError::InvalidQoS, e))?;
        let rh = number(f, "rh", 255.0, "Invalid retain handling: must be 0, 1 or 2")
            .map_err(|e| (OpError::InvalidArgument, e))?;
        out.push(SubscribeFilter {
            filter: topic,
            qos: qos(q, "Invalid QoS: must be 0, 1 or 2").map_err(|e| (OpError::InvalidQoS, e))?,
            no_local: boolean(f, "nl").unwrap_or(false),
            retain_as_published: boolean(f, "rap").unwrap_or(false),
            retain_handling: rh.unwrap_or(0).min(255) as u8,
        });
    }
    Ok(out)
}

/// `string[]` → topics.
pub fn topics(list: &Value) -> Option<Vec<String>> {
    list.items()?
        .iter()
        .map(|t| match *t {
            Value::Str(s) => Some(String::from(s)),
            _ => None,
        })
        .collect()
}

// ----- engine → JS --------------------------------------------------------------------------

/// Optional fields onto a record object: absent ones are left out, as MQTT.js does.
struct Props(ObjectWriter);

impl Props {
    fn new() -> Props {
        Props(ObjectWriter::new())
    }
    fn num<T: Into<f64>>(&mut self, key: &str, v: Option<T>) {
        if let Some(v) = v {
            self.0.num(key, v.into());
        }
    }
    fn flag(&mut self, key: &str, v: Option<u8>) {
        if let Some(v) = v {
            self.0.flag(key, v != 0);
        }
    }
    fn text(&mut self, key: &str, v: &Option<String>) {
        if let Some(v) = v {
            self.0.text(key, v);
        }
    }
    fn bytes(&mut self, key: &str, v: &Option<Bytes>) {
        if let Some(v) = v {
            self.0.bytes(key, v);
        }
    }
    /// `{name: value}`, or `{name: [values]}` for a name that repeats, in first-seen order.
    fn user(&mut self, list: &[(String, String)]) {
        if list.is_empty() {
            return;
        }
        self.0.object("userProperties", |o| {
            for (i, (name, value)) in list.iter().enumerate() {
                if list[..i].iter().any(|(n, _)| n == name) {
                    continue; // written with its first occurrence
                }
                let values = list[i..].iter().filter(|(n, _)| n == name).map(|(_, v)| v);
                if list[i + 1..].iter().any(|(n, _)| n == name) {
                    o.array(name, |a| values.for_each(|v| a.text(v)));
                } else {
                    o.text(name, value);
                }
            }
        });
    }
    fn done(self) -> Vec<u8> {
        self.0.finish()
    }
}

pub fn connack_properties_js(p: &ConnAckProperties) -> Vec<u8> {
    let mut o = Props::new();
    o.num("sessionExpiryInterval", p.session_expiry_interval);
    o.num("receiveMaximum", p.receive_max);
    o.num("maximumQoS", p.max_qos);
    o.flag("retainAvailable", p.retain_available);
    o.num("maximumPacketSize", p.max_packet_size);
    o.text("assignedClientIdentifier", &p.assigned_client_identifier);
    o.num("topicAliasMaximum", p.topic_alias_max);
    o.text("reasonString", &p.reason_string);
    o.user(&p.user_properties);
    o.flag(
        "wildcardSubscriptionAvailable",
        p.wildcard_subscription_available,
    );
    o.flag(
        "subscriptionIdentifiersAvailable",
        p.subscription_identifiers_available,
    );
    o.flag(
        "sharedSubscriptionAvailable",
        p.shared_subscription_available,
    );
    o.num("serverKeepAlive", p.server_keep_alive);
    o.text("responseInformation", &p.response_information);
    o.text("serverReference", &p.server_reference);
    o.text("authenticationMethod", &p.authentication_method);
    o.bytes("authenticationData", &p.authentication_data);
    o.done()
}

pub fn publish_properties_js(p: &PublishProperties) -> Vec<u8> {
    let mut o = Props::new();
    o.flag("payloadFormatIndicator", p.payload_format_indicator);
    o.num("messageExpiryInterval", p.message_expiry_interval);
    o.num("topicAlias", p.topic_alias);
    o.text("responseTopic", &p.response_topic);
    o.bytes("correlationData", &p.correlation_data);
    o.user(&p.user_properties);
    match p.subscription_identifiers.as_slice() {
        [] => {}
        [one] => o.num("subscriptionIdentifier", Some(*one as f64)),
        many => o.0.array("subscriptionIdentifier", |a| {
            many.iter().for_each(|id| a.num(*id as f64))
        }),
    }
    o.text("contentType", &p.content_type);
    o.done()
}

pub fn ack_properties_js(p: &AckProperties) -> Vec<u8> {
    let mut o = Props::new();
    o.text("reasonString", &p.reason_string);
    o.user(&p.user_properties);
    o.done()
}

pub fn disconnect_properties_js(p: &DisconnectProperties) -> Vec<u8> {
    let mut o = Props::new();
    o.num("sessionExpiryInterval", p.session_expiry_interval);
    o.text("reasonString", &p.reason_string);
    o.user(&p.user_properties);
    o.text("serverReference", &p.server_reference);
    o.done()
}

pub fn auth_properties_js(p: &AuthProperties) -> Vec<u8> {
    let mut o = Props::new();
    o.text("authenticationMethod", &p.authentication_method);
    o.bytes("authenticationData", &p.authentication_data);
    o.text("reasonString", &p.reason_string);
    o.user(&p.user_properties);
    o.done()
}
