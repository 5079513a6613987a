//! Client options as the engine needs them: MQTT.js names and defaults, already normalised by
//! the glue (which parses URLs, fills `clientId`, decodes strings).

use alloc::string::String;
use bytes::Bytes;

use crate::codec::{ConnectProperties, ProtocolVersion, QoS, WillProperties};

/// Exponential backoff between reconnect attempts (an extension over MQTT.js' fixed period).
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    pub initial_ms: u64,
    pub max_ms: u64,
    /// Growth per failed attempt, e.g. 2.0.
    pub multiplier: f64,
    /// 0.0..=1.0: the delay is randomised down by up to this fraction, so many clients
    /// reconnecting after the same outage do not arrive together.
    pub jitter: f64,
}

#[derive(Clone, PartialEq)]
pub struct WillOptions {
    pub topic: String,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    pub properties: Option<WillProperties>,
}

#[derive(Clone, PartialEq)]
pub struct Options {
    pub protocol: ProtocolVersion,
    pub client_id: String,
    pub clean: bool,
    pub keepalive_s: u16,
    pub username: Option<String>,
    pub password: Option<Bytes>,
    pub will: Option<WillOptions>,
    pub properties: Option<ConnectProperties>,
    pub connect_timeout_ms: u64,
    /// 0 disables automatic reconnecting.
    pub reconnect_period_ms: u64,
    pub backoff: Option<Backoff>,
    /// 0 = unlimited consecutive failed attempts.
    pub max_reconnect_attempts: u32,
    pub reconnect_on_connack_error: bool,
    pub resubscribe: bool,
    pub queue_qos_zero: bool,
    /// Bound on the number of operations waiting for a connection or the in-flight window
    /// (none by default: `queue_byte_limit` bounds the queue).
    pub queue_limit: usize,
    /// Bound on the bytes those operations hold (topic + payload + a fixed cost per entry).
    pub queue_byte_limit: usize,
    /// Most QoS 1/2 PUBLISHes awaiting acknowledgement at once. `None`: `DEFAULT_MAX_INFLIGHT`
    /// before MQTT 5, the broker's Receive Maximum on MQTT 5 (which also bounds a set value).
    pub max_inflight: Option<u16>,
    /// Largest packet accepted from the broker (whole packet).
    pub max_incoming_packet_size: usize,
    pub reschedule_pings: bool,
    pub auto_use_topic_alias: bool,
    pub auto_assign_topic_alias: bool,
    /// The page supplies credentials before every attempt (NEED_CREDENTIALS).
    pub credentials_provider: bool,
    /// A close this soon after CONNACK counts towards "client id taken over".
    pub same_client_id_window_ms: u64,
    /// That many such closes in a row report `ClientIdTaken` and back off.
    pub same_client_id_limit: u32,
    /// Stop reconnecting (instead of backing off) when the client id is inferred taken.
    pub stop_on_client_id_taken: bool,
}

/// Fits the brokers' default limits on QoS 1/2 messages in flight from one client
/// (Mosquitto `max_inflight_messages` 20, EMQX 32; docs/brokers.md).
pub const DEFAULT_MAX_INFLIGHT: u16 = 20;

/// Default `queue_byte_limit`: 16 MiB, about 14,000 messages of 1 KiB or 85,000 small ones.
pub const DEFAULT_QUEUE_BYTE_LIMIT: usize = 16 << 20;

/// Largest remaining length MQTT can express, plus the 5-byte fixed header.
pub const MAX_PACKET_SIZE: usize = 268_435_460;
/// `Session::publish_with_id`: the core picks the packet identifier at the call.
pub const ASSIGN_NOW: u32 = 0x1_0000;

impl Options {
    /// MQTT.js defaults for a client id.
    pub fn new(client_id: &str) -> Options {
        Options {
            protocol: ProtocolVersion::V3_1_1,
            client_id: String::from(client_id),
            clean: true,
            keepalive_s: 60,
            username: None,
            password: None,
            will: None,
            properties: None,
            connect_timeout_ms: 30_000,
            reconnect_period_ms: 1_000,
            backoff: None,
            max_reconnect_attempts: 0,
            reconnect_on_connack_error: false,
            resubscribe: true,
            queue_qos_zero: true,
            queue_limit: usize::MAX,
            queue_byte_limit: DEFAULT_QUEUE_BYTE_LIMIT,
            max_inflight: None,
            max_incoming_packet_size: MAX_PACKET_SIZE,
            reschedule_pings: true,
            auto_use_topic_alias: false,
            auto_assign_topic_alias: false,
            credentials_provider: false,
            same_client_id_window_ms: 2_000,
            same_client_id_limit: 3,
            stop_on_client_id_taken: false,
        }
    }

    /// Why these options cannot work, before anything is sent.
    pub fn validate(&self) -> Result<(), &'static str> {
        if !self.clean && self.client_id.is_empty() {
            return Err("clean: false needs a clientId (the broker keys the session on it)");
        }
        if self.protocol != ProtocolVersion::V5 && self.properties.is_some() {
            return Err("properties need protocolVersion 5");
        }
        if let Some(p) = &self.properties {
            // Both are protocol errors in a CONNECT [MQTT-3.1.2 Receive Maximum, Maximum Packet
            // Size]: the broker would close the connection without saying which option.
            if p.receive_maximum == Some(0) {
                return Err("properties.receiveMaximum must be 1..65535");
            }
            if p.max_packet_size == Some(0) {
                return Err("properties.maximumPacketSize must be at least 1");
            }
        }
        if let Some(will) = &self.will {
            crate::codec::validate::topic_name(&will.topic)
                .map_err(|_| "will.topic is not a valid topic name")?;
        }
        if let Some(b) = &self.backoff {
            if !b.multiplier.is_finite()
                || b.multiplier < 1.0
                || !(0.0..=1.0).contains(&b.jitter)
                || b.initial_ms == 0
            {
                return Err("backoff needs initial > 0, multiplier >= 1 and 0 <= jitter <= 1");
            }
        }
        if self.queue_limit == 0 {
            return Err("queueLimit must be at least 1");
        }
        if self.queue_byte_limit == 0 {
            return Err("queueByteLimit must be at least 1");
        }
        if self.max_inflight == Some(0) {
            return Err("maxInflight must be 1..65535");
        }
        if self.max_incoming_packet_size < 2 {
            return Err("maxIncomingPacketSize must be at least 2");
        }
        Ok(())
    }
}
