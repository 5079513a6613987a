//! `engine`: the fuzzer's bytes script a `Session` the way the glue and a broker could.
//!
//! Input: options (version, timers, limits, flags), a seed, then steps until the bytes run out.
//! A step is one opcode byte and its arguments: broker bytes (raw, or well-formed packets built
//! from the input and aimed at ids the client really used, so deep states are reached), time
//! moving (small steps, to the next deadline, huge jumps up to `MAX_NOW`, backwards), page
//! operations, lifecycle calls. After every step all output is drained and checked; at the end
//! `end(force)` must complete every operation and leave no timer.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use mpmqtt::codec::{
    self, Ack, AckKind, AckProperties, Auth, AuthProperties, ConnAck, ConnAckProperties,
    ConnectProperties, Decoder, Disconnect, DisconnectProperties, Packet, ProtocolVersion, Publish,
    PublishProperties, QoS, SubAck, SubscribeFilter, SubscribeProperties, UnsubAck,
};
use mpmqtt::engine::{packet_type, Backoff, Event, OpError, OpId, Options, Session, WillOptions};

use super::codec_target::VERSIONS;
use super::Input;

/// Latest `now` a script reaches. The glue passes `Date.now()` (about 2^41 today); half the u64
/// range leaves the engine's `now + interval` sums room for any interval the glue accepts.
pub const MAX_NOW: u64 = u64::MAX / 2;

/// Opcodes; the seed scripts use them by name.
pub mod op {
    pub const RAW_BYTES: u8 = 0;
    pub const CONNACK: u8 = 1;
    pub const PUBLISH_IN: u8 = 2;
    pub const ACK: u8 = 3;
    pub const SUBACK: u8 = 4;
    pub const UNSUBACK: u8 = 5;
    pub const PUBREL: u8 = 6;
    pub const DISCONNECT: u8 = 7;
    pub const AUTH_IN: u8 = 8;
    pub const PINGRESP: u8 = 9;
    pub const TIME_SMALL: u8 = 10;
    pub const TIME_TO_DEADLINE: u8 = 11;
    pub const TIME_HUGE: u8 = 12;
    pub const TIME_BACK: u8 = 13;
    pub const PUBLISH: u8 = 14;
    pub const SUBSCRIBE: u8 = 15;
    pub const UNSUBSCRIBE: u8 = 16;
    pub const END: u8 = 17;
    pub const RECONNECT: u8 = 18;
    pub const SUSPEND: u8 = 19;
    pub const NETWORK: u8 = 20;
    pub const OPENED: u8 = 21;
    pub const CLOSED: u8 = 22;
    pub const CONNECT: u8 = 23;
    pub const CREDENTIALS: u8 = 24;
    pub const REMOVE_OUTGOING: u8 = 25;
    pub const SEND_AUTH: u8 = 26;
    pub const SPLIT_PACKET: u8 = 27;
    pub const TIMER_FIRES: u8 = 28;
    pub const COUNT: u8 = 29;
}

/// Topics the scripts pick from by index; arbitrary strings come from the input too.
const TOPICS: [&str; 10] = [
    "a",
    "a/b",
    "a/+",
    "#",
    "a/#",
    "+/+",
    "",
    "$SYS/x",
    "t\u{0}x",
    "s/\u{e9}t\u{e9}",
];

/// How far a script got; the regression test checks the seeds reach connected states.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub connections: usize,
    pub ops: usize,
    pub messages: usize,
}

pub fn run(data: &[u8]) -> Summary {
    let mut input = Input::new(data);
    let Some(opts) = options(&mut input) else {
        return Summary::default();
    };
    let seed = input.u64();
    let Ok(session) = Session::new(opts.clone(), seed) else {
        return Summary::default();
    };
    let mut d = Driver::new(session, opts.protocol);
    // Steps consume at least one byte each, so the loop ends with the input.
    while !input.is_empty() {
        d.step(&mut input);
    }
    d.finish()
}

/// Options as the glue can produce them: its ms fields are u32, but backoff comes from a JS
/// number and reaches u64::MAX (`Infinity`), so backoff bounds are full u64 here.
pub fn options(input: &mut Input) -> Option<Options> {
    let flags = input.u32();
    let bit = |n: u32| flags & (1 << n) != 0;
    let version = VERSIONS[(flags % 4 % 3) as usize];
    let mut o = Options::new(if bit(2) { "" } else { "fuzz-client" });
    o.protocol = version;
    o.clean = !bit(3);
    o.keepalive_s = match input.u8() % 4 {
        0 => 0,
        1 => 1,
        2 => 60,
        _ => input.u16(),
    };
    o.connect_timeout_ms = if bit(4) { input.u32() as u64 } else { 30_000 };
    o.reconnect_period_ms = if bit(5) { 0 } else { input.u16() as u64 };
    if bit(6) {
        o.backoff = Some(Backoff {
            initial_ms: input.u64(),
            max_ms: input.u64(),
            multiplier: 1.0 + input.u8() as f64 / 16.0,
            jitter: input.u8() as f64 / 255.0,
        });
    }
    o.max_reconnect_attempts = (input.u8() % 4) as u32;
    o.reconnect_on_connack_error = bit(7);
    o.resubscribe = !bit(8);
    o.queue_qos_zero = !bit(9);
    o.queue_limit = if bit(10) {
        1 + (input.u8() % 8) as usize
    } else {
        1_000
    };
    o.max_incoming_packet_size = if bit(11) {
        2 + input.u16() as usize
    } else {
        mpmqtt::engine::MAX_PACKET_SIZE
    };
    o.reschedule_pings = !bit(12);
    o.auto_use_topic_alias = bit(13);
    o.auto_assign_topic_alias = bit(14);
    o.credentials_provider = bit(15);
    o.same_client_id_window_ms = input.u16() as u64;
    o.same_client_id_limit = (input.u8() % 4) as u32;
    if bit(16) {
        o.username = Some(String::from("user"));
        o.password = Some(Bytes::from_static(b"secret"));
    }
    if bit(17) {
        o.will = Some(WillOptions {
            topic: String::from("will/topic"),
            payload: Bytes::from_static(b"gone"),
            qos: qos(input.u8()),
            retain: bit(18),
            properties: None,
        });
    }
    if version.is_v5() && bit(19) {
        o.properties = Some(ConnectProperties {
            session_expiry_interval: bit(20).then(|| input.u32()),
            receive_maximum: bit(21).then(|| 1 + (input.u8() % 4) as u16),
            max_packet_size: bit(22).then(|| 2 + input.u16() as u32),
            topic_alias_max: bit(23).then(|| (input.u8() % 5) as u16),
            request_response_info: None,
            request_problem_info: None,
            user_properties: Vec::new(),
            authentication_method: bit(24).then(|| String::from("SCRAM")),
            authentication_data: None,
        });
    }
    Some(o)
}

fn qos(b: u8) -> QoS {
    match b % 3 {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn topic(input: &mut Input) -> String {
    let b = input.u8();
    if b < 0xf0 {
        return String::from(TOPICS[b as usize % TOPICS.len()]);
    }
    String::from_utf8_lossy(input.short_bytes()).into_owned()
}

fn user_properties(input: &mut Input) -> Vec<(String, String)> {
    (0..input.u8() % 3)
        .map(|_| (topic(input), topic(input)))
        .collect()
}

fn reason(input: &mut Input) -> u8 {
    // Mostly success, so flows go on; sometimes any code, so refusals are reached.
    let b = input.u8();
    if b & 3 == 0 {
        input.u8()
    } else {
        0
    }
}

/// Reads the same bytes whatever the version, so a script means the same in every version.
fn ack_properties(input: &mut Input, v5: bool) -> Option<AckProperties> {
    let present = input.bool();
    (v5 && present).then(|| AckProperties {
        reason_string: input.bool().then(|| topic(input)),
        user_properties: user_properties(input),
    })
}

/// Wraps a session: drives it, drains it, and checks it after every step.
struct Driver {
    s: Session,
    version: ProtocolVersion,
    now: u64,
    issued: BTreeSet<OpId>,
    completed: BTreeSet<OpId>,
    /// Filters ever passed to subscribe: bounds the internal resubscription requests.
    filters_subscribed: usize,
    /// Packet ids the client used recently (PUBLISH QoS>0, SUBSCRIBE, UNSUBSCRIBE, PUBREL).
    client_ids: Vec<u16>,
    /// Filter count of each SUBSCRIBE / UNSUBSCRIBE sent, so SUBACKs can match.
    request_sizes: BTreeMap<u16, usize>,
    /// QoS 2 ids the broker used recently, for PUBREL.
    broker_ids: Vec<u16>,
    /// QoS 2 messages delivered and not yet released by PUBREL: a repeat must not be delivered.
    qos2_delivered: BTreeSet<u16>,
    summary: Summary,
}

impl Driver {
    fn new(mut s: Session, version: ProtocolVersion) -> Driver {
        // Packet events pair every packet written with an event, so output order can be checked.
        s.set_packet_events(Some(|_, _, _, _| Vec::new()));
        Driver {
            s,
            version,
            now: 1_000,
            issued: BTreeSet::new(),
            completed: BTreeSet::new(),
            filters_subscribed: 0,
            client_ids: Vec::new(),
            request_sizes: BTreeMap::new(),
            broker_ids: Vec::new(),
            qos2_delivered: BTreeSet::new(),
            summary: Summary::default(),
        }
    }

    fn v5(&self) -> bool {
        self.version.is_v5()
    }

    fn open_ops(&self) -> usize {
        self.issued.len() - self.completed.len()
    }

    fn step(&mut self, input: &mut Input) {
        let open_before = self.open_ops();
        let mut fed = 0usize;
        let now = self.now;
        match input.u8() % op::COUNT {
            op::RAW_BYTES => {
                let b = input.short_bytes();
                fed = b.len();
                self.s.handle_bytes(now, b);
            }
            op::SPLIT_PACKET => {
                if let Some(bytes) = self.broker_packet(input) {
                    let at = input.u8() as usize % (bytes.len() + 1);
                    fed = bytes.len();
                    self.s.handle_bytes(now, &bytes[..at]);
                    self.s.handle_bytes(now, &bytes[at..]);
                }
            }
            code @ op::CONNACK..=op::PINGRESP => {
                if let Some(bytes) = self.broker_packet_of(code, input) {
                    fed = bytes.len();
                    self.s.handle_bytes(now, &bytes);
                }
            }
            op::TIME_SMALL => {
                self.now = (self.now + input.u16() as u64).min(MAX_NOW);
                self.timer();
            }
            op::TIME_TO_DEADLINE => {
                if let Some(t) = self.s.poll_timeout() {
                    // Timers fire late, never early.
                    self.now = self
                        .now
                        .max(t)
                        .saturating_add(input.u8() as u64)
                        .min(MAX_NOW);
                }
                self.timer();
            }
            op::TIME_HUGE => {
                self.now = self.now.saturating_add(input.u64() >> 1).min(MAX_NOW);
                self.timer();
            }
            op::TIME_BACK => {
                // Date.now() follows the wall clock, which the user may set back.
                self.now = self.now.saturating_sub(input.u32() as u64);
                self.timer();
            }
            op::TIMER_FIRES => self.s.handle_timeout(now),
            op::PUBLISH => {
                let topic = topic(input);
                let payload = input.short_bytes().to_vec();
                let flags = input.u8();
                let props = (flags & 0x20 != 0).then(|| PublishProperties {
                    payload_format_indicator: None,
                    message_expiry_interval: (flags & 0x40 != 0).then_some(60),
                    topic_alias: (flags & 0x80 != 0).then(|| (input.u8() % 5) as u16),
                    response_topic: None,
                    correlation_data: None,
                    user_properties: user_properties(input),
                    subscription_identifiers: Vec::new(),
                    content_type: None,
                });
                // QoS 3 is invalid on purpose: the op must fail, once.
                let id = self.s.publish(
                    now,
                    &topic,
                    &payload,
                    flags & 3,
                    flags & 4 != 0,
                    flags & 8 != 0,
                    props.map(Box::new),
                );
                self.issue(id);
            }
            op::SUBSCRIBE => {
                let filters: Vec<SubscribeFilter> = (0..input.u8() % 4)
                    .map(|_| {
                        let f = input.u8();
                        SubscribeFilter {
                            filter: topic(input),
                            qos: qos(f),
                            no_local: f & 4 != 0,
                            retain_as_published: f & 8 != 0,
                            retain_handling: (f >> 4) % 4,
                        }
                    })
                    .collect();
                self.filters_subscribed += filters.len();
                let props = input.bool().then(|| SubscribeProperties {
                    id: input.bool().then(|| input.u16() as usize),
                    user_properties: user_properties(input),
                });
                let id = self.s.subscribe(now, filters, props);
                self.issue(id);
            }
            op::UNSUBSCRIBE => {
                let filters: Vec<String> = (0..input.u8() % 4).map(|_| topic(input)).collect();
                let props = user_properties(input);
                let id = self.s.unsubscribe(now, filters, props);
                self.issue(id);
            }
            op::END => {
                let force = input.bool();
                let reason = reason(input);
                self.s.end(now, force, reason);
            }
            op::RECONNECT => self.s.reconnect(now),
            op::SUSPEND => {
                let hidden = input.bool();
                self.s.set_suspended(now, hidden);
            }
            op::NETWORK => {
                let online = input.bool();
                self.s.network_changed(now, online);
            }
            op::OPENED => self.s.transport_opened(now),
            op::CLOSED => self.s.transport_closed(now),
            op::CONNECT => self.s.connect(now),
            op::CREDENTIALS => {
                if input.bool() {
                    let id = input.bool().then(|| topic(input));
                    self.s.provide_credentials(
                        now,
                        Some(String::from("token-user")),
                        Some(Bytes::from_static(b"token")),
                        id,
                    );
                } else {
                    self.s.credentials_failed(now, "provider threw");
                }
            }
            op::REMOVE_OUTGOING => {
                let id = self.client_id(input);
                self.s.remove_outgoing(now, id);
            }
            op::SEND_AUTH => {
                let reason = reason(input);
                let props = input.bool().then(|| AuthProperties {
                    authentication_method: Some(String::from("SCRAM")),
                    authentication_data: Some(Bytes::copy_from_slice(input.short_bytes())),
                    reason_string: None,
                    user_properties: Vec::new(),
                });
                self.s.send_auth(now, reason, props);
            }
            _ => unreachable!("opcode taken modulo op::COUNT"),
        }
        self.drain(open_before, fed);
    }

    fn issue(&mut self, id: OpId) {
        assert_ne!(id, 0, "op id 0 is reserved");
        assert!(self.issued.insert(id), "op id {id} handed out twice");
        self.summary.ops += 1;
    }

    /// What a glue timer does: call `handle_timeout` if the deadline has passed.
    fn timer(&mut self) {
        if self.s.poll_timeout().is_some_and(|t| t <= self.now) {
            self.s.handle_timeout(self.now);
        }
    }

    /// A packet id the client used (recent first), or any id.
    fn client_id(&self, input: &mut Input) -> u16 {
        let b = input.u8();
        if b < 0x80 && !self.client_ids.is_empty() {
            self.client_ids[self.client_ids.len() - 1 - b as usize % self.client_ids.len()]
        } else {
            input.u16()
        }
    }

    fn broker_packet(&mut self, input: &mut Input) -> Option<Vec<u8>> {
        let code = op::CONNACK + input.u8() % (op::PINGRESP - op::CONNACK + 1);
        self.broker_packet_of(code, input)
    }

    /// A well-formed packet of the kind `code` names, encoded for the session's version.
    /// None when the codec refuses what the input asked for (then nothing is fed).
    fn broker_packet_of(&mut self, code: u8, input: &mut Input) -> Option<Vec<u8>> {
        let v5 = self.v5();
        let packet = match code {
            op::CONNACK => {
                let flags = input.u16();
                let bit = |n: u16| flags & (1 << n) != 0;
                let properties = (v5 && bit(1)).then(|| {
                    let mut p = ConnAckProperties::new();
                    p.receive_max = bit(2).then(|| input.u16() % 5);
                    p.max_packet_size = bit(3).then(|| input.u16() as u32);
                    p.topic_alias_max = bit(4).then(|| (input.u8() % 5) as u16);
                    p.max_qos = bit(5).then(|| input.u8() % 3);
                    p.retain_available = bit(6).then(|| input.u8() % 2);
                    p.server_keep_alive = bit(7).then(|| input.u16() % 100);
                    p.assigned_client_identifier = bit(8).then(|| topic(input));
                    p.session_expiry_interval = bit(9).then(|| input.u32());
                    p.reason_string = bit(10).then(|| topic(input));
                    p.user_properties = user_properties(input);
                    p
                });
                Packet::ConnAck(ConnAck {
                    session_present: bit(0),
                    code: if bit(11) { input.u8() } else { 0 },
                    properties: properties.map(Box::new),
                })
            }
            op::PUBLISH_IN => {
                let flags = input.u8();
                let q = qos(flags);
                let pkid = if q == QoS::AtMostOnce {
                    0
                } else if flags & 4 != 0 && !self.broker_ids.is_empty() {
                    // Repeat a recent id: duplicates must not be delivered twice.
                    self.broker_ids[input.u8() as usize % self.broker_ids.len()]
                } else {
                    input.u16()
                };
                if q == QoS::ExactlyOnce {
                    remember(&mut self.broker_ids, pkid);
                }
                Packet::Publish(Box::new(Publish {
                    dup: flags & 8 != 0 && q != QoS::AtMostOnce,
                    qos: q,
                    retain: flags & 16 != 0,
                    topic: topic(input),
                    pkid,
                    payload: Bytes::copy_from_slice(input.short_bytes()),
                    properties: (v5 && flags & 32 != 0).then(|| {
                        Box::new(PublishProperties {
                            payload_format_indicator: None,
                            message_expiry_interval: None,
                            topic_alias: (flags & 64 != 0).then(|| (input.u8() % 6) as u16),
                            response_topic: None,
                            correlation_data: None,
                            user_properties: user_properties(input),
                            subscription_identifiers: Vec::new(),
                            content_type: None,
                        })
                    }),
                }))
            }
            op::ACK => {
                let kind =
                    [AckKind::PubAck, AckKind::PubRec, AckKind::PubComp][input.u8() as usize % 3];
                let pkid = self.client_id(input);
                let reason = reason(input);
                Packet::Ack(Ack {
                    kind,
                    pkid,
                    reason: if v5 { reason } else { 0 },
                    properties: ack_properties(input, v5),
                })
            }
            op::PUBREL => {
                let b = input.u8();
                let pkid = if b < 0x80 && !self.broker_ids.is_empty() {
                    self.broker_ids[b as usize % self.broker_ids.len()]
                } else {
                    input.u16()
                };
                let reason = reason(input);
                Packet::Ack(Ack {
                    kind: AckKind::PubRel,
                    pkid,
                    reason: if v5 { reason } else { 0 },
                    properties: ack_properties(input, v5),
                })
            }
            op::SUBACK => {
                let pkid = self.client_id(input);
                let count = match self.request_sizes.get(&pkid) {
                    Some(&n) if input.u8() != 0xff => n,
                    _ => input.u8() as usize % 4,
                };
                let codes = (0..count)
                    .map(|_| match input.u8() % 5 {
                        0 => 0,
                        1 => 1,
                        2 => 2,
                        3 => 0x80,
                        _ => input.u8(),
                    })
                    .collect();
                Packet::SubAck(SubAck {
                    pkid,
                    codes,
                    properties: ack_properties(input, v5),
                })
            }
            op::UNSUBACK => {
                let pkid = self.client_id(input);
                let count = if v5 {
                    self.request_sizes.get(&pkid).copied().unwrap_or(1)
                } else {
                    0
                };
                let codes = (0..count).map(|_| reason(input)).collect();
                Packet::UnsubAck(UnsubAck {
                    pkid,
                    codes,
                    properties: ack_properties(input, v5),
                })
            }
            op::DISCONNECT => {
                let reason = reason(input);
                let present = input.bool();
                Packet::Disconnect(Disconnect {
                    reason: if v5 { reason } else { 0 },
                    properties: (v5 && present).then(|| {
                        Box::new(DisconnectProperties {
                            session_expiry_interval: None,
                            reason_string: Some(topic(input)),
                            user_properties: Vec::new(),
                            server_reference: input.bool().then(|| String::from("other:1883")),
                        })
                    }),
                })
            }
            op::AUTH_IN => Packet::Auth(Auth {
                reason: [0x00, 0x18, 0x19][input.u8() as usize % 3],
                properties: input.bool().then(|| {
                    Box::new(AuthProperties {
                        authentication_method: Some(String::from("SCRAM")),
                        authentication_data: Some(Bytes::copy_from_slice(input.short_bytes())),
                        reason_string: None,
                        user_properties: Vec::new(),
                    })
                }),
            }),
            _ => Packet::PingResp,
        };
        let mut out = Vec::new();
        codec::encode(&packet, self.version, &mut out).ok()?;
        Some(out)
    }

    /// Drains output and events after a step and checks them.
    fn drain(&mut self, open_before: usize, fed: usize) {
        let mut sent = Vec::new();
        while let Some(buf) = self.s.poll_transmit() {
            assert!(!buf.is_empty(), "poll_transmit returned an empty buffer");
            // Every flush holds whole packets: the glue writes each as one WebSocket frame.
            let mut d = Decoder::new(self.version, usize::MAX);
            d.push(&buf);
            loop {
                match d.next_packet() {
                    Ok(Some(p)) => sent.push(p),
                    Ok(None) => break,
                    Err(e) => panic!("client wrote invalid MQTT: {e:?} in {buf:02x?}"),
                }
            }
            assert_eq!(d.buffered(), 0, "client wrote a partial packet");
        }
        let mut events = 0usize;
        let mut next_sent = 0usize;
        while let Some(e) = self.s.poll_event() {
            events += 1;
            match e {
                Event::OpDone(done) => self.complete(done.op),
                // Op 0 is the session's own resubscription: a filter the broker's Maximum
                // Packet Size cannot carry is reported through it, after every connect that
                // replays it (the glue turns it into 'error'). Nothing else fails as op 0.
                Event::OpFailed { op: 0, error, .. } => {
                    assert_eq!(error, OpError::PacketTooLarge, "op 0 failed otherwise")
                }
                Event::OpFailed { op, .. } => self.complete(op),
                Event::PacketSent { packet_type: t, .. } => {
                    let Some(p) = sent.get(next_sent) else {
                        panic!("PACKET_SENT type {t} without a packet written");
                    };
                    assert_eq!(
                        packet_type(p),
                        t,
                        "PACKET_SENT type differs from the packet"
                    );
                    next_sent += 1;
                    self.client_sent(p);
                }
                Event::Message(m, _) if m.qos == QoS::ExactlyOnce => {
                    self.summary.messages += 1;
                    assert!(
                        self.qos2_delivered.insert(m.pkid),
                        "QoS 2 message {} delivered twice before PUBREL",
                        m.pkid
                    );
                }
                Event::Message(..) => self.summary.messages += 1,
                Event::Connected {
                    session_present, ..
                } => {
                    self.summary.connections += 1;
                    if !session_present {
                        self.qos2_delivered.clear();
                    }
                }
                _ => {}
            }
        }
        assert_eq!(next_sent, sent.len(), "packets written without PACKET_SENT");
        // Each open op can fail or be sent (two events), each fed byte can be at most a
        // packet's worth of events; anything beyond is a runaway.
        let bound = 32 + 4 * open_before + 4 * fed + self.filters_subscribed / 64;
        assert!(
            events <= bound,
            "{events} events from one step (bound {bound})"
        );
        let pending = self.s.pending_operations();
        let open = self.open_ops();
        // Every open op is tracked by the session, and the session tracks nothing else except
        // its own resubscriptions. Those carry at most 64 filters each, but filters with
        // different properties go in different SUBSCRIBEs and a batch over the broker's
        // Maximum Packet Size is split down to single filters: one request per filter ever
        // subscribed is the bound that holds (the packing is tests/engine_resume.rs' to check).
        assert!(
            pending >= open,
            "{open} ops open but only {pending} pending: one was lost"
        );
        assert!(
            pending <= open + self.filters_subscribed,
            "{pending} pending for {open} open ops"
        );
    }

    fn complete(&mut self, op: OpId) {
        assert!(
            self.issued.contains(&op),
            "completion for op {op} never issued"
        );
        assert!(self.completed.insert(op), "op {op} completed twice");
    }

    fn client_sent(&mut self, p: &Packet) {
        match p {
            Packet::Publish(p) if p.qos != QoS::AtMostOnce => {
                assert_ne!(p.pkid, 0);
                remember(&mut self.client_ids, p.pkid);
            }
            Packet::Subscribe(s) => {
                remember(&mut self.client_ids, s.pkid);
                self.request_sizes.insert(s.pkid, s.filters.len());
            }
            Packet::Unsubscribe(u) => {
                remember(&mut self.client_ids, u.pkid);
                self.request_sizes.insert(u.pkid, u.filters.len());
            }
            Packet::Ack(a) if a.kind == AckKind::PubRel => remember(&mut self.client_ids, a.pkid),
            Packet::Ack(a) if a.kind == AckKind::PubComp => {
                self.qos2_delivered.remove(&a.pkid);
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Summary {
        let open_before = self.open_ops();
        self.s.end(self.now, true, 0);
        self.drain(open_before, 0);
        assert!(self.s.is_ended(), "end(force) did not end the client");
        assert_eq!(
            self.s.pending_operations(),
            0,
            "operations left after end(force)"
        );
        let unfinished: Vec<&OpId> = self.issued.difference(&self.completed).collect();
        assert!(unfinished.is_empty(), "ops never completed: {unfinished:?}");
        assert_eq!(
            self.s.poll_timeout(),
            None,
            "a timer armed after end(force)"
        );
        self.summary
    }
}

/// Keeps the last 16 ids, newest last.
fn remember(ids: &mut Vec<u16>, id: u16) {
    if ids.len() == 16 {
        ids.remove(0);
    }
    ids.push(id);
}
