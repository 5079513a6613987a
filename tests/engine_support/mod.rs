//! A scripted broker for the engine: feeds packets and time in, decodes what comes out.
//! No network, no sleeping: `now` is a number the test moves.

#![allow(dead_code)]

use bytes::Bytes;
use mpmqtt::codec::{
    self, Ack, AckKind, ConnAck, ConnAckProperties, Decoder, Packet, ProtocolVersion, Publish, QoS,
    SubAck, SubscribeFilter, UnsubAck,
};
use mpmqtt::engine::{Event, OpId, Options, Session};

pub struct Harness {
    pub session: Session,
    pub now: u64,
    pub version: ProtocolVersion,
    events: Vec<Event>,
}

/// A `PacketDescriber` for tests: everything the engine passes it, as text.
pub fn describe_packet(
    packet_type: u8,
    packet: Option<&Packet>,
    length: Option<u32>,
    v5: bool,
) -> Vec<u8> {
    format!("{packet_type} {packet:?} {length:?} {v5}").into_bytes()
}

/// What `describe_packet` wrote.
pub fn description(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("describe_packet writes text")
}

pub fn options(version: ProtocolVersion) -> Options {
    let mut o = Options::new("test-client");
    o.protocol = version;
    o
}

impl Harness {
    pub fn new(opts: Options) -> Harness {
        let version = opts.protocol;
        Harness {
            session: Session::new(opts, 42).expect("valid options"),
            now: 1_000,
            version,
            events: Vec::new(),
        }
    }

    pub fn v4() -> Harness {
        Harness::new(options(ProtocolVersion::V3_1_1))
    }

    pub fn v5() -> Harness {
        Harness::new(options(ProtocolVersion::V5))
    }

    /// connect → OPEN_TRANSPORT → opened → CONNECT out → CONNACK in.
    pub fn connected(opts: Options) -> Harness {
        let mut h = Harness::new(opts);
        h.establish(false);
        h
    }

    pub fn establish(&mut self, session_present: bool) -> Vec<Packet> {
        self.establish_with(session_present, None)
    }

    pub fn establish_with(
        &mut self,
        session_present: bool,
        props: Option<ConnAckProperties>,
    ) -> Vec<Packet> {
        self.session.connect(self.now);
        self.open_and_ack(session_present, props)
    }

    /// After OPEN_TRANSPORT was asked for: open the socket and accept CONNECT.
    pub fn open_and_ack(
        &mut self,
        session_present: bool,
        props: Option<ConnAckProperties>,
    ) -> Vec<Packet> {
        assert!(
            self.take_events().contains(&Event::OpenTransport),
            "expected OPEN_TRANSPORT"
        );
        self.session.transport_opened(self.now);
        let sent = self.sent();
        assert!(
            matches!(sent.first(), Some(Packet::Connect(_))),
            "expected CONNECT first, got {sent:?}"
        );
        self.receive(Packet::ConnAck(ConnAck {
            session_present,
            code: 0,
            properties: props.map(Box::new),
        }));
        assert!(self.session.is_connected());
        let mut all = sent;
        all.extend(self.sent());
        all
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        if let Some(t) = self.session.poll_timeout() {
            if t <= self.now {
                self.session.handle_timeout(self.now);
            }
        }
    }

    /// Moves time to each deadline in turn until `ms` have passed.
    pub fn run_for(&mut self, ms: u64) {
        let end = self.now + ms;
        while let Some(t) = self.session.poll_timeout() {
            if t > end {
                break;
            }
            self.now = self.now.max(t);
            self.session.handle_timeout(self.now);
        }
        self.now = end;
    }

    /// Hands the packet over as the wasm binding does: a buffer the session may keep.
    pub fn receive(&mut self, p: Packet) {
        let mut out = Vec::new();
        codec::encode(&p, self.version, &mut out).expect("broker packet encodes");
        self.session.handle_owned_bytes(self.now, out);
    }

    pub fn receive_bytes(&mut self, bytes: &[u8]) {
        self.session.handle_bytes(self.now, bytes);
    }

    /// Every packet the client wrote since the last call, decoded strictly.
    pub fn sent(&mut self) -> Vec<Packet> {
        let mut d = Decoder::new(self.version, usize::MAX);
        while let Some(bytes) = self.session.poll_transmit() {
            d.push(&bytes);
        }
        let mut out = Vec::new();
        while let Some(p) = d.next_packet().expect("client wrote valid MQTT") {
            out.push(p);
        }
        assert_eq!(d.buffered(), 0, "client wrote a partial packet");
        out
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        while let Some(e) = self.session.poll_event() {
            self.events.push(e);
        }
        std::mem::take(&mut self.events)
    }

    pub fn publish(&mut self, topic: &str, payload: &[u8], qos: u8) -> OpId {
        self.session
            .publish(self.now, topic, payload, qos, false, false, None)
    }

    pub fn subscribe(&mut self, filter: &str, qos: u8) -> OpId {
        self.session
            .subscribe(self.now, vec![filter_of(filter, qos)], None)
    }

    pub fn drop_link(&mut self) {
        self.session.transport_closed(self.now);
    }
}

pub fn filter_of(filter: &str, qos: u8) -> SubscribeFilter {
    SubscribeFilter {
        filter: filter.to_string(),
        qos: qos_of(qos),
        no_local: false,
        retain_as_published: false,
        retain_handling: 0,
    }
}

pub fn qos_of(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

pub fn incoming(topic: &str, payload: &str, qos: u8, pkid: u16) -> Packet {
    Packet::Publish(Box::new(Publish {
        dup: false,
        qos: qos_of(qos),
        retain: false,
        topic: topic.to_string(),
        pkid,
        payload: Bytes::copy_from_slice(payload.as_bytes()),
        properties: None,
    }))
}

pub fn ack(kind: AckKind, pkid: u16) -> Packet {
    Packet::Ack(Ack {
        kind,
        pkid,
        reason: 0,
        properties: None,
    })
}

pub fn ack_with(kind: AckKind, pkid: u16, reason: u8) -> Packet {
    Packet::Ack(Ack {
        kind,
        pkid,
        reason,
        properties: None,
    })
}

pub fn suback(pkid: u16, codes: Vec<u8>) -> Packet {
    Packet::SubAck(SubAck {
        pkid,
        codes,
        properties: None,
    })
}

pub fn unsuback(pkid: u16, codes: Vec<u8>) -> Packet {
    Packet::UnsubAck(UnsubAck {
        pkid,
        codes,
        properties: None,
    })
}

pub fn publishes(packets: &[Packet]) -> Vec<&Publish> {
    packets
        .iter()
        .filter_map(|p| {
            if let Packet::Publish(p) = p {
                Some(&**p)
            } else {
                None
            }
        })
        .collect()
}

pub fn done_ops(events: &[Event]) -> Vec<OpId> {
    events
        .iter()
        .filter_map(|e| {
            if let Event::OpDone(d) = e {
                Some(d.op)
            } else {
                None
            }
        })
        .collect()
}

pub fn failed_ops(events: &[Event]) -> Vec<(OpId, mpmqtt::engine::OpError, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::OpFailed {
                op, error, text, ..
            } => Some((*op, *error, text.clone())),
            _ => None,
        })
        .collect()
}

pub fn messages(events: &[Event]) -> Vec<(String, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| {
            if let Event::Message(m, _) = e {
                Some((m.topic.clone(), m.payload.to_vec()))
            } else {
                None
            }
        })
        .collect()
}

/// (kind, code) of each `Event::Error`: the code is what the glue words, MQTT.js' way.
pub fn error_codes(events: &[Event]) -> Vec<(mpmqtt::engine::ErrorKind, u8)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Error { kind, code, .. } => Some((*kind, *code)),
            _ => None,
        })
        .collect()
}

/// (op, error, broker's reason code) of each `Event::OpFailed`.
pub fn failed_codes(events: &[Event]) -> Vec<(OpId, mpmqtt::engine::OpError, u8)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::OpFailed {
                op, error, code, ..
            } => Some((*op, *error, *code)),
            _ => None,
        })
        .collect()
}

pub fn errors(events: &[Event]) -> Vec<(mpmqtt::engine::ErrorKind, String)> {
    events
        .iter()
        .filter_map(|e| {
            if let Event::Error { kind, text, .. } = e {
                Some((*kind, text.clone()))
            } else {
                None
            }
        })
        .collect()
}

/// CONNACK properties with every field absent; tests set the ones they need.
pub fn connack_props() -> ConnAckProperties {
    codec::empty_connack_properties()
}
