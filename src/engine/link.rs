//! `Link`: the state of one connection to the broker — its decoder, the limits its CONNACK
//! set, keepalive bookkeeping and topic aliases both ways. A new one is made when the
//! transport opens, and the old one dropped (a fresh one in its place) whenever a connection
//! or an attempt ends, so nothing of one connection reaches the next: a per-connection field
//! belongs here, and needs no reset anywhere.

use alloc::string::String;

use super::small_map::SmallMap;
use super::timers::{Keepalive, Timer};
use super::{Options, Phase, Session, MAX_PACKET_SIZE};
use crate::codec::{ConnAckProperties, Decoder, QoS};

pub(super) struct Link {
    pub(super) decoder: Decoder,
    pub(super) limits: ServerLimits,
    pub(super) keepalive: Keepalive,
    /// Topic alias → topic name, as the broker set them on this connection.
    pub(super) inbound_aliases: SmallMap<u16, String>,
    /// Topic name → alias, as we set them on this connection.
    pub(super) outbound_aliases: SmallMap<String, u16>,
    /// With page acknowledgements (`set_page_acks`): the message the page is handling. Its
    /// acknowledgement waits for `message_handled`, and nothing more is decoded meanwhile.
    pub(super) held: Option<HeldMessage>,
}

/// A delivered message whose acknowledgement the page has not decided yet.
#[derive(Clone, Copy)]
pub(super) struct HeldMessage {
    pub(super) pkid: u16,
    pub(super) qos: QoS,
}

impl Link {
    pub(super) fn new(opts: &Options) -> Link {
        // Our v5 Maximum Packet Size, when the page set one, bounds what the broker may send.
        let limit = opts
            .properties
            .as_ref()
            .and_then(|p| p.max_packet_size)
            .map_or(opts.max_incoming_packet_size, |m| {
                (m as usize).min(opts.max_incoming_packet_size)
            });
        Link {
            decoder: Decoder::new(opts.protocol, limit),
            limits: UNLIMITED,
            keepalive: Keepalive::new(),
            inbound_aliases: SmallMap::new(),
            outbound_aliases: SmallMap::new(),
            held: None,
        }
    }
}

/// What the broker allows on this connection (v5 CONNACK properties; spec defaults otherwise).
pub(super) struct ServerLimits {
    pub(super) receive_maximum: u16,
    pub(super) maximum_packet_size: usize,
    pub(super) topic_alias_maximum: u16,
    pub(super) maximum_qos: u8,
    pub(super) retain_available: bool,
}

/// The limits before a CONNACK said otherwise, and with no connection.
const UNLIMITED: ServerLimits = ServerLimits {
    receive_maximum: 65_535,
    maximum_packet_size: MAX_PACKET_SIZE,
    topic_alias_maximum: 0,
    maximum_qos: 2,
    retain_available: true,
};

impl ServerLimits {
    pub(super) fn apply(&mut self, p: &ConnAckProperties) {
        if let Some(v) = p.receive_max {
            self.receive_maximum = v.max(1);
        }
        if let Some(v) = p.max_packet_size {
            self.maximum_packet_size = v as usize;
        }
        if let Some(v) = p.topic_alias_max {
            self.topic_alias_maximum = v;
        }
        if let Some(v) = p.max_qos {
            self.maximum_qos = v;
        }
        if let Some(v) = p.retain_available {
            self.retain_available = v != 0;
        }
    }
}

impl Session {
    /// The transport opened: a fresh link, with nothing of the previous connection.
    pub(super) fn open_link(&mut self) {
        self.link = Link::new(&self.opts);
    }

    /// The connection (or the attempt) is over: its link and its timers go (the link in its
    /// place until the next transport opens is as fresh as a new one), and the session is
    /// Idle until the caller decides what comes next.
    pub(super) fn drop_link(&mut self) {
        // A QoS 2 message the page had not finished with is delivered again when the broker
        // resends it, as MQTT.js delivers again on a resent PUBREL: its PUBREC never left.
        if let Some(HeldMessage {
            pkid,
            qos: QoS::ExactlyOnce,
        }) = self.link.held
        {
            self.incoming_qos2.remove(pkid);
        }
        if self.is_connected() {
            // For what was published on this connection or after it and goes out on another.
            self.last_aliases =
                core::mem::replace(&mut self.link.outbound_aliases, SmallMap::new());
        }
        self.link = Link::new(&self.opts);
        self.timers.stop(Timer::Connect);
        self.timers.stop(Timer::Ping);
        self.timers.stop(Timer::PingTimeout);
        self.phase = Phase::Idle;
    }

    /// This connection's limits; without one, the spec's defaults.
    pub(super) fn limits(&self) -> &ServerLimits {
        &self.link.limits
    }
}
