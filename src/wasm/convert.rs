//! Options and v5 properties between MQTT.js' JS shapes and the engine's types.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::codec::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    ProtocolVersion, PublishProperties, QoS, SubscribeFilter, SubscribeProperties, WillProperties,
};
use crate::engine::{Backoff, Options, WillOptions};

/// A string (UTF-8 encoded) or any byte container: MQTT.js accepts both for passwords and payloads.
#[derive(Default)]
pub struct Binary(pub Vec<u8>);

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Binary, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Binary;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a Uint8Array")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Binary, E> {
                Ok(Binary(v.as_bytes().to_vec()))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Binary, E> {
                Ok(Binary(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Binary, E> {
                Ok(Binary(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Binary(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// MQTT.js `userProperties`: `{name: value | [values]}`, order kept.
#[derive(Default)]
pub struct UserProperties(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for UserProperties {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UserProperties, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UserProperties;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of string or string[] values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserProperties, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, OneOrMany>()? {
                    match v {
                        OneOrMany::One(s) => out.push((k, s)),
                        OneOrMany::Many(list) => {
                            for s in list {
                                out.push((k.clone(), s));
                            }
                        }
                    }
                }
                Ok(UserProperties(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct JsConnectProperties {
    session_expiry_interval: Option<u32>,
    receive_maximum: Option<u16>,
    maximum_packet_size: Option<u32>,
    topic_alias_maximum: Option<u16>,
    request_response_information: Option<bool>,
    request_problem_information: Option<bool>,
    user_properties: Option<UserProperties>,
    authentication_method: Option<String>,
    authentication_data: Option<Binary>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct JsPublishProperties {
    payload_format_indicator: Option<bool>,
    message_expiry_interval: Option<u32>,
    topic_alias: Option<u16>,
    response_topic: Option<String>,
    correlation_data: Option<Binary>,
    user_properties: Option<UserProperties>,
    subscription_identifier: Option<u32>,
    content_type: Option<String>,
    will_delay_interval: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsWill {
    topic: String,
    #[serde(default)]
    payload: Binary,
    #[serde(default)]
    qos: u8,
    #[serde(default)]
    retain: bool,
    #[serde(default)]
    properties: Option<JsPublishProperties>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsBackoff {
    initial: Option<u32>,
    max: Option<u32>,
    multiplier: Option<f64>,
    jitter: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct JsOptions {
    protocol_version: Option<u8>,
    client_id: Option<String>,
    clean: Option<bool>,
    keepalive: Option<u16>,
    username: Option<String>,
    password: Option<Binary>,
    will: Option<JsWill>,
    properties: Option<JsConnectProperties>,
    connect_timeout: Option<u32>,
    reconnect_period: Option<u32>,
    backoff: Option<JsBackoff>,
    max_reconnect_attempts: Option<u32>,
    reconnect_on_connack_error: Option<bool>,
    resubscribe: Option<bool>,
    #[serde(rename = "queueQoSZero")]
    queue_qos_zero: Option<bool>,
    queue_limit: Option<u32>,
    max_incoming_packet_size: Option<u32>,
    reschedule_pings: Option<bool>,
    auto_use_topic_alias: Option<bool>,
    auto_assign_topic_alias: Option<bool>,
    credentials_provider: Option<bool>,
    same_client_id_window: Option<u32>,
    same_client_id_limit: Option<u32>,
}

fn qos(q: u8) -> Result<QoS, &'static str> {
    match q {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        2 => Ok(QoS::ExactlyOnce),
        _ => Err("will.qos must be 0, 1 or 2"),
    }
}

impl JsOptions {
    pub fn into_options(self) -> Result<Options, &'static str> {
        let mut o = Options::new(self.client_id.as_deref().unwrap_or(""));
        o.protocol = match self.protocol_version.unwrap_or(4) {
            3 => ProtocolVersion::V3_1,
            4 => ProtocolVersion::V3_1_1,
            5 => ProtocolVersion::V5,
            _ => return Err("protocolVersion must be 3, 4 or 5"),
        };
        let v5 = o.protocol.is_v5();
        if let Some(v) = self.clean {
            o.clean = v;
        }
        if let Some(v) = self.keepalive {
            o.keepalive_s = v;
        }
        o.username = self.username;
        o.password = self.password.map(|b| Bytes::from(b.0));
        if let Some(w) = self.will {
            o.will = Some(WillOptions {
                topic: w.topic,
                payload: Bytes::from(w.payload.0),
                qos: qos(w.qos)?,
                retain: w.retain,
                properties: if v5 {
                    w.properties.map(will_properties)
                } else {
                    None
                },
            });
        }
        if v5 {
            o.properties = self.properties.map(connect_properties);
        }
        macro_rules! set {
            ($field:ident, $src:expr) => {
                if let Some(v) = $src {
                    o.$field = v.into();
                }
            };
        }
        set!(connect_timeout_ms, self.connect_timeout);
        set!(reconnect_period_ms, self.reconnect_period);
        set!(max_reconnect_attempts, self.max_reconnect_attempts);
        set!(reconnect_on_connack_error, self.reconnect_on_connack_error);
        set!(resubscribe, self.resubscribe);
        set!(queue_qos_zero, self.queue_qos_zero);
        set!(reschedule_pings, self.reschedule_pings);
        set!(auto_use_topic_alias, self.auto_use_topic_alias);
        set!(auto_assign_topic_alias, self.auto_assign_topic_alias);
        set!(credentials_provider, self.credentials_provider);
        set!(same_client_id_window_ms, self.same_client_id_window);
        set!(same_client_id_limit, self.same_client_id_limit);
        if let Some(v) = self.queue_limit {
            o.queue_limit = v as usize;
        }
        if let Some(v) = self.max_incoming_packet_size {
            o.max_incoming_packet_size = v as usize;
        }
        if let Some(b) = self.backoff {
            o.backoff = Some(Backoff {
                initial_ms: b.initial.unwrap_or(1000) as u64,
                max_ms: b.max.unwrap_or(30_000) as u64,
                multiplier: b.multiplier.unwrap_or(2.0),
                jitter: b.jitter.unwrap_or(0.5),
            });
        }
        Ok(o)
    }
}

fn user(u: Option<UserProperties>) -> Vec<(String, String)> {
    u.map(|u| u.0).unwrap_or_default()
}

fn connect_properties(p: JsConnectProperties) -> ConnectProperties {
    ConnectProperties {
        session_expiry_interval: p.session_expiry_interval,
        receive_maximum: p.receive_maximum,
        max_packet_size: p.maximum_packet_size,
        topic_alias_max: p.topic_alias_maximum,
        request_response_info: p.request_response_information.map(u8::from),
        request_problem_info: p.request_problem_information.map(u8::from),
        user_properties: user(p.user_properties),
        authentication_method: p.authentication_method,
        authentication_data: p.authentication_data.map(|b| Bytes::from(b.0)),
    }
}

fn will_properties(p: JsPublishProperties) -> WillProperties {
    WillProperties {
        delay_interval: p.will_delay_interval,
        payload_format_indicator: p.payload_format_indicator.map(u8::from),
        message_expiry_interval: p.message_expiry_interval,
        content_type: p.content_type,
        response_topic: p.response_topic,
        correlation_data: p.correlation_data.map(|b| Bytes::from(b.0)),
        user_properties: user(p.user_properties),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(
    v: JsValue,
    what: &'static str,
) -> Result<Option<T>, &'static str> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(v)
        .map(Some)
        .map_err(|_| what)
}

pub fn publish_properties(v: JsValue) -> Result<Option<PublishProperties>, &'static str> {
    let p: Option<JsPublishProperties> = parse(v, "publish: invalid properties")?;
    Ok(p.map(|p| PublishProperties {
        payload_format_indicator: p.payload_format_indicator.map(u8::from),
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic,
        correlation_data: p.correlation_data.map(|b| Bytes::from(b.0)),
        user_properties: user(p.user_properties),
        subscription_identifiers: p
            .subscription_identifier
            .map(|i| alloc::vec![i as usize])
            .unwrap_or_default(),
        content_type: p.content_type,
    }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsSubscribeProperties {
    subscription_identifier: Option<u32>,
    user_properties: Option<UserProperties>,
}

pub fn subscribe_properties(v: JsValue) -> Result<Option<SubscribeProperties>, &'static str> {
    let p: Option<JsSubscribeProperties> = parse(v, "subscribe: invalid properties")?;
    Ok(p.map(|p| SubscribeProperties {
        id: p.subscription_identifier.map(|i| i as usize),
        user_properties: user(p.user_properties),
    }))
}

pub fn user_properties_of(v: JsValue) -> Result<Vec<(String, String)>, &'static str> {
    let p: Option<JsSubscribeProperties> = parse(v, "unsubscribe: invalid properties")?;
    Ok(p.map(|p| user(p.user_properties)).unwrap_or_default())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsAuthProperties {
    authentication_method: Option<String>,
    authentication_data: Option<Binary>,
    reason_string: Option<String>,
    user_properties: Option<UserProperties>,
}

pub fn auth_properties(v: JsValue) -> Result<Option<AuthProperties>, &'static str> {
    let p: Option<JsAuthProperties> = parse(v, "auth: invalid properties")?;
    Ok(p.map(|p| AuthProperties {
        authentication_method: p.authentication_method,
        authentication_data: p.authentication_data.map(|b| Bytes::from(b.0)),
        reason_string: p.reason_string,
        user_properties: user(p.user_properties),
    }))
}

/// A password given as string or bytes; undefined/null → none.
pub fn binary_of(v: &JsValue) -> Option<Vec<u8>> {
    if let Some(s) = v.as_string() {
        return Some(s.into_bytes());
    }
    v.dyn_ref::<Uint8Array>().map(|a| a.to_vec())
}

#[derive(Deserialize)]
pub struct JsFilter {
    topic: String,
    #[serde(default)]
    qos: u8,
    #[serde(default)]
    nl: bool,
    #[serde(default)]
    rap: bool,
    #[serde(default)]
    rh: u8,
}

impl JsFilter {
    /// Callers check `qos_is_valid` first.
    pub fn into_filter(self) -> SubscribeFilter {
        SubscribeFilter {
            filter: self.topic,
            qos: match self.qos {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            },
            no_local: self.nl,
            retain_as_published: self.rap,
            retain_handling: self.rh,
        }
    }

    pub fn qos_is_valid(&self) -> bool {
        self.qos <= 2
    }
}

// ----- engine → JS --------------------------------------------------------------------------

struct Props(Object);

impl Props {
    fn new() -> Props {
        Props(Object::new())
    }
    fn set(&self, key: &str, v: JsValue) {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &v);
    }
    fn num<T: Into<f64>>(&self, key: &str, v: Option<T>) {
        if let Some(v) = v {
            self.set(key, JsValue::from_f64(v.into()));
        }
    }
    fn flag(&self, key: &str, v: Option<u8>) {
        if let Some(v) = v {
            self.set(key, JsValue::from_bool(v != 0));
        }
    }
    fn text(&self, key: &str, v: &Option<String>) {
        if let Some(v) = v {
            self.set(key, JsValue::from_str(v));
        }
    }
    fn bytes(&self, key: &str, v: &Option<Bytes>) {
        if let Some(v) = v {
            self.set(key, Uint8Array::from(&v[..]).into());
        }
    }
    fn user(&self, list: &[(String, String)]) {
        if list.is_empty() {
            return;
        }
        let o = Object::new();
        for (k, v) in list {
            let key = JsValue::from_str(k);
            let existing = Reflect::get(&o, &key).unwrap_or(JsValue::UNDEFINED);
            let value = if existing.is_undefined() {
                JsValue::from_str(v)
            } else if let Some(arr) = existing.dyn_ref::<Array>() {
                arr.push(&JsValue::from_str(v));
                continue;
            } else {
                let arr = Array::new();
                arr.push(&existing);
                arr.push(&JsValue::from_str(v));
                arr.into()
            };
            let _ = Reflect::set(&o, &key, &value);
        }
        self.set("userProperties", o.into());
    }
    fn done(self) -> JsValue {
        self.0.into()
    }
}

pub fn connack_properties_js(p: &ConnAckProperties) -> JsValue {
    let o = Props::new();
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

pub fn publish_properties_js(p: &PublishProperties) -> JsValue {
    let o = Props::new();
    o.flag("payloadFormatIndicator", p.payload_format_indicator);
    o.num("messageExpiryInterval", p.message_expiry_interval);
    o.num("topicAlias", p.topic_alias);
    o.text("responseTopic", &p.response_topic);
    o.bytes("correlationData", &p.correlation_data);
    o.user(&p.user_properties);
    match p.subscription_identifiers.as_slice() {
        [] => {}
        [one] => o.num("subscriptionIdentifier", Some(*one as f64)),
        many => {
            let arr = Array::new();
            for id in many {
                arr.push(&JsValue::from_f64(*id as f64));
            }
            o.set("subscriptionIdentifier", arr.into());
        }
    }
    o.text("contentType", &p.content_type);
    o.done()
}

pub fn ack_properties_js(p: &AckProperties) -> JsValue {
    let o = Props::new();
    o.text("reasonString", &p.reason_string);
    o.user(&p.user_properties);
    o.done()
}

pub fn disconnect_properties_js(p: &DisconnectProperties) -> JsValue {
    let o = Props::new();
    o.num("sessionExpiryInterval", p.session_expiry_interval);
    o.text("reasonString", &p.reason_string);
    o.user(&p.user_properties);
    o.text("serverReference", &p.server_reference);
    o.done()
}

pub fn auth_properties_js(p: &AuthProperties) -> JsValue {
    let o = Props::new();
    o.text("authenticationMethod", &p.authentication_method);
    o.bytes("authenticationData", &p.authentication_data);
    o.text("reasonString", &p.reason_string);
    o.user(&p.user_properties);
    o.done()
}
