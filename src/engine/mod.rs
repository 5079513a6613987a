//! The MQTT client session, sans-IO: bytes and time in, bytes, events and a deadline out.
//! This file holds the `Session`'s state and what it hands its driver (bytes to write,
//! events, operation outcomes); the rules live in the files below, one job each.
//!
//! Shape after quinn-proto: `handle_*` feed it, `poll_transmit` / `poll_event` /
//! `poll_timeout` drain it. It never blocks, reads a clock or touches a socket, so every
//! behaviour is a deterministic function of the calls made — which is how the tests drive it.
//!
//! | file | job |
//! |---|---|
//! | `lifecycle.rs` | connect, CONNACK, reconnect and backoff, "client id taken", app hidden/offline, `end` |
//! | `link.rs` | `Link`: the state of one connection (decoder, broker limits, keepalive, topic aliases) |
//! | `timers.rs` | the timer table behind `poll_timeout`/`handle_timeout`, and keepalive |
//! | `inbound.rs` | bytes from the broker: dispatch, PUBLISH, QoS 2 exactly-once, topic aliases in |
//! | `acks.rs` | one handler per acknowledgement of ours: PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK |
//! | `operations.rs` | the page's calls: publish, subscribe, unsubscribe, remove, AUTH |
//! | `outbound.rs` | sending or queueing: offline queue, in-flight window, PUBLISH encoding, topic aliases out |
//! | `resume.rs` | after CONNACK: resend in order, held PUBLISHes, resubscribe |

mod acks;
pub mod events;
mod external;
mod fifo;
mod ids;
mod in_flight;
mod inbound;
mod lifecycle;
mod link;
mod operations;
pub mod options;
mod outbound;
mod queue;
mod reconnect;
mod resume;
mod small_map;
mod timers;
mod transmit;

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::codec::{
    self, Ack, AckKind, Packet, Publish, QoS, SubscribeFilter, SubscribeProperties,
};
pub use events::*;
pub use external::ExternalPayload;
use fifo::Fifo;
use ids::{IdSet, PacketIds};
use in_flight::InFlight;
use link::Link;
pub use options::*;
use queue::OpQueue;
use reconnect::ReconnectPolicy;
use small_map::SmallMap;
use timers::TimerTable;
pub use transmit::Piece;

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Not started (manual connect), or stopped reconnecting; `connect`/`reconnect` restart it.
    Idle,
    AwaitCredentials,
    /// OPEN_TRANSPORT emitted; waiting for the socket to open.
    Opening,
    AwaitConnAck,
    /// `since`: when the CONNACK arrived (a close soon after it may mean the client id is taken).
    Connected {
        since: u64,
    },
    /// Waiting for the reconnect timer.
    WaitReconnect,
    /// Disconnected while the app is hidden or the network is down: no attempts until it returns.
    Paused,
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Where an outgoing QoS 1/2 PUBLISH stands: waiting for PUBACK, PUBREC, or (after PUBREL) PUBCOMP.
enum OutState {
    Qos1Sent,
    Qos2Sent,
    Qos2Released,
}

struct Outgoing {
    op: OpId,
    publish: Publish,
    /// The payload, when the driver keeps it (`publish.payload` is then empty).
    external: Option<ExternalPayload>,
    state: OutState,
    /// Sent on an earlier connection and not yet again on this one: the broker's Receive
    /// Maximum had no room when the session resumed, so it waits for a free slot.
    awaiting_resend: bool,
}

/// A SUBSCRIBE or UNSUBSCRIBE, kept as the packet it is written as: writing it then needs
/// no copy of its filters and properties (a copy of each cost wasm size).
type Request = Packet;

struct PendingAck {
    op: OpId,
    request: Request,
}

/// A granted filter with the properties of the SUBSCRIBE that granted it: a v5 Subscription
/// Identifier or user properties must survive a resubscription, or the page's messages stop
/// carrying the identifier after the broker lost the session.
struct Subscription {
    filter: SubscribeFilter,
    properties: Option<SubscribeProperties>,
}

struct Credentials {
    username: Option<String>,
    password: Option<Bytes>,
    client_id: Option<String>,
}

pub struct Session {
    opts: Options,
    phase: Phase,
    /// The state of the open connection; a fresh one whenever a transport opens or closes.
    link: Link,
    timers: TimerTable,
    tx: transmit::Transmit,
    /// Payloads kept by the driver that nothing here needs any more.
    releases: external::Releases,
    events: Fifo<Event>,
    ids: PacketIds,
    next_op: OpId,
    /// In send order, which is the order of resends and failures.
    outgoing: InFlight<Outgoing>,
    /// How many entries of `outgoing` are `awaiting_resend`.
    held_count: usize,
    /// In send order too (`SmallMap` keeps insertion order).
    requests: SmallMap<u16, PendingAck>,
    queue: OpQueue,
    /// QoS 2 ids delivered to the page and not yet released: a duplicate is acknowledged, not
    /// delivered. Kept across connections while the broker keeps the session.
    incoming_qos2: IdSet,
    /// Granted subscriptions, replayed when the broker lost the session (MQTT.js `resubscribe`),
    /// in the order first granted. Found by their filter: a map keyed by a copy of it cost
    /// wasm size and a `String` per subscription.
    subscriptions: Vec<Subscription>,
    policy: ReconnectPolicy,
    /// Connection attempts failed in a row (reset by a CONNACK or a page's `connect`/`reconnect`).
    failures: u32,
    /// Attempts since the last CONNACK, this one included.
    attempts: u32,
    /// Connections the broker closed without a word right after CONNACK, in a row.
    quick_closes: u32,
    /// Times in a row the client id was inferred taken: the backoff grows with it.
    takeovers: u32,
    /// The provider was asked once more after a bad-credentials refusal.
    credentials_refreshed: bool,
    credentials: Option<Credentials>,
    hidden: bool,
    offline: bool,
    /// `Some` once the page called `end`: the reason code its DISCONNECT carries.
    end_reason: Option<u8>,
    /// The properties that DISCONNECT carries (v5).
    end_properties: Option<codec::DisconnectProperties>,
    /// The page's last `end` keeps QoS 1/2 work for a later `reconnect`.
    keep_session: bool,
    /// OUTGOING_EMPTY was emitted (or nothing was ever pending) since work was last added.
    outgoing_empty_emitted: bool,
    /// Set while the driver wants packet events.
    packet_events: Option<PacketDescriber>,
    /// The topic aliases we had set when the last connection ended, for what the page
    /// published with an alias before the current one (`forget_alias`).
    last_aliases: SmallMap<String, u16>,
    /// The first operation called after this connection's CONNACK.
    connection_first_op: OpId,
    /// The page acknowledges incoming messages itself (`message_handled`).
    page_acks: bool,
}

impl Session {
    /// `seed` feeds the reconnect jitter; pass randomness from the platform.
    pub fn new(opts: Options, seed: u64) -> Result<Session, &'static str> {
        opts.validate()?;
        let policy = ReconnectPolicy::new(opts.reconnect_period_ms, opts.backoff.clone(), seed);
        let mut tx = transmit::Transmit::default();
        // Room for a flush of small packets from the start: grown from empty, the buffer was
        // reallocated (its bytes copied) by the first few packets of every client.
        tx.encoded().reserve(256);
        Ok(Session {
            link: Link::new(&opts),
            opts,
            phase: Phase::Idle,
            timers: TimerTable::new(),
            tx,
            releases: external::Releases::default(),
            events: Fifo::new(),
            ids: PacketIds::new(),
            next_op: 1,
            outgoing: InFlight::new(),
            held_count: 0,
            requests: SmallMap::new(),
            queue: OpQueue::new(),
            incoming_qos2: IdSet::new(),
            subscriptions: Vec::new(),
            policy,
            failures: 0,
            attempts: 0,
            quick_closes: 0,
            takeovers: 0,
            credentials_refreshed: false,
            credentials: None,
            hidden: false,
            offline: false,
            end_reason: None,
            end_properties: None,
            keep_session: false,
            outgoing_empty_emitted: true,
            packet_events: None,
            last_aliases: SmallMap::new(),
            connection_first_op: 0,
            page_acks: false,
        })
    }

    // ----- state the glue exposes as MQTT.js properties ---------------------------------

    pub fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Connected { .. })
    }

    pub fn is_reconnecting(&self) -> bool {
        matches!(self.phase, Phase::WaitReconnect | Phase::Paused)
            || (self.attempts > 1
                && matches!(
                    self.phase,
                    Phase::AwaitCredentials | Phase::Opening | Phase::AwaitConnAck
                ))
    }

    pub fn is_disconnecting(&self) -> bool {
        self.end_reason.is_some()
    }

    pub fn is_ended(&self) -> bool {
        matches!(self.phase, Phase::Ended)
    }

    pub fn last_message_id(&self) -> u16 {
        self.ids.last_allocated()
    }

    /// Operations not finished yet: in flight plus queued.
    pub fn pending_operations(&self) -> usize {
        self.outgoing.len() + self.requests.len() + self.queue.len()
    }

    pub fn client_id(&self) -> &str {
        &self.opts.client_id
    }

    /// PACKET_SENT / PACKET_RECEIVED cost an event per packet: only when someone listens
    /// (`Some`), each packet described by `describe`.
    pub fn set_packet_events(&mut self, describe: Option<PacketDescriber>) {
        self.packet_events = describe;
    }

    /// Incoming QoS 1/2 messages are acknowledged when the page says so (MQTT.js
    /// `handleMessage`, `customHandleAcks`), one message at a time; off, on receipt.
    pub fn set_page_acks(&mut self, on: bool) {
        self.page_acks = on;
    }

    // ----- draining ---------------------------------------------------------------------

    /// Everything to write, coalesced into one buffer (one WebSocket frame per flush). For a
    /// driver that keeps no payloads (`publish_external`): theirs are left out here, see
    /// `poll_transmit_with`.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.poll_transmit_with(|_, _| {})
    }

    /// `poll_transmit`, with `external(handle, out)` appending each payload the driver keeps
    /// where it goes.
    pub fn poll_transmit_with(
        &mut self,
        external: impl FnMut(u32, &mut Vec<u8>),
    ) -> Option<Vec<u8>> {
        if self.tx.is_empty() {
            return None;
        }
        let all = self.tx.to_vec(external);
        self.tx.clear();
        Some(all)
    }

    /// How many bytes `poll_transmit` would return: a driver that copies them out itself
    /// (the wasm boundary) takes them piece by piece with `transmit_piece`, straight from
    /// where large payloads already are, then calls `transmitted`.
    pub fn transmit_len(&self) -> usize {
        self.tx.len()
    }

    /// Piece `i` of what `poll_transmit` would return (`Transmit::piece`); empty where it is
    /// a payload the driver keeps (`transmit_part`).
    pub fn transmit_piece(&self, i: usize) -> &[u8] {
        match self.tx.piece(i) {
            Piece::Bytes(b) => b,
            Piece::External(_) => &[],
        }
    }

    /// Piece `i` of the pending bytes: bytes, or the payload the driver keeps under a handle.
    pub fn transmit_part(&self, i: usize) -> Piece<'_> {
        self.tx.piece(i)
    }

    /// Handles of payloads given with `publish_external` that the session no longer needs
    /// (sent and done with, failed, removed or dropped), each listed once; the driver may
    /// let them go.
    pub fn released_payloads(&mut self) -> Vec<u32> {
        self.releases.take()
    }

    /// The bytes of `transmit_piece` were taken.
    pub fn transmitted(&mut self) {
        self.tx.clear();
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Whether `poll_event` has an event: a caller that keeps the event it polls can then
    /// skip moving an empty one around (once per socket message).
    pub fn has_event(&self) -> bool {
        !self.events.is_empty()
    }

    // ----- output -------------------------------------------------------------------------

    fn write_packet(&mut self, now: u64, packet: &Packet) -> Result<(), codec::CodecError> {
        self.write_packet_within(now, packet, usize::MAX)
    }

    /// `write_packet` of a packet that must fit `max_size` bytes (the broker's Maximum
    /// Packet Size).
    fn write_packet_within(
        &mut self,
        now: u64,
        packet: &Packet,
        max_size: usize,
    ) -> Result<(), codec::CodecError> {
        // PUBLISHes are written by `write_publish_within`, where they are.
        codec::encode_from_client_within(
            packet,
            self.opts.protocol,
            max_size,
            self.tx.encoded(),
            false,
            0,
        )?;
        self.packet_written(now, packet, None);
        Ok(())
    }

    /// `write_packet_within` of a PUBLISH its owner keeps: encoded from where it is, with
    /// no `Packet` built around it (each wrap and unwrap moved the whole PUBLISH). A payload
    /// the driver keeps (`external`; the PUBLISH's own payload is empty then) is encoded
    /// around and named in the flush.
    // Without `splice-payloads` no payload is kept by the driver (external.rs).
    #[cfg_attr(not(feature = "splice-payloads"), allow(unreachable_code))]
    fn write_publish_within(
        &mut self,
        now: u64,
        p: &Publish,
        max_size: usize,
        external: Option<&ExternalPayload>,
    ) -> Result<(), codec::CodecError> {
        let splice = cfg!(feature = "splice-payloads") && p.payload.len() >= transmit::SPLICE_MIN;
        let external_len = external.map_or(0, |e| e.len());
        let out = self.tx.encoded();
        codec::encode_publish_within(p, self.opts.protocol, max_size, out, splice, external_len)?;
        if splice {
            self.tx.splice(p.payload.clone());
        }
        if let Some(payload) = external {
            self.tx.splice_external(payload.clone());
        }
        if self.packet_events.is_some() {
            // Only while the page listens to `packetsend`: a copy to describe.
            self.packet_written(now, &Packet::Publish(Box::new(p.clone())), external);
        } else {
            self.keepalive_sent(now);
        }
        Ok(())
    }

    /// A packet left: keepalive counts it, PACKET_SENT describes it while packet events are on.
    fn packet_written(&mut self, now: u64, packet: &Packet, external: Option<&ExternalPayload>) {
        self.keepalive_sent(now);
        if let Some(describe) = self.packet_events {
            let packet_type = packet_type(packet);
            let v5 = self.opts.protocol.is_v5();
            self.events.push_back(Event::PacketSent {
                packet_type,
                description: describe(packet_type, Some(packet), None, v5),
                external: external.cloned(),
            });
        }
    }

    /// PUBACK, PUBREC, PUBREL or PUBCOMP without properties. Not inlined: the packet is
    /// built in one place instead of at each of the six callers.
    #[inline(never)]
    fn write_ack(&mut self, now: u64, kind: AckKind, pkid: u16, reason: u8) {
        let ack = Packet::Ack(Ack {
            kind,
            pkid,
            reason,
            properties: None,
        });
        // Cannot fail: the id is never 0 (it came from the broker or our allocator).
        let _ = self.write_packet(now, &ack);
    }

    fn error(&mut self, kind: ErrorKind, code: u8, text: String) {
        self.events.push_back(Event::Error { kind, code, text });
    }

    fn done(
        &mut self,
        op: OpId,
        message_id: u16,
        reason: u8,
        codes: Vec<u8>,
        properties: Option<codec::AckProperties>,
    ) {
        self.events.push_back(Event::OpDone(OpDone {
            op,
            message_id,
            reason,
            codes,
            properties: properties.map(Box::new),
        }));
    }

    /// `text` is a `&str` at most call sites: the copy into a `String` is made here once
    /// rather than at each of them.
    fn fail(
        &mut self,
        op: OpId,
        error: OpError,
        code: u8,
        message_id: u16,
        text: impl Into<String>,
    ) {
        self.events.push_back(Event::OpFailed {
            op,
            error,
            code,
            message_id,
            text: text.into(),
        });
    }

    /// OUTGOING_EMPTY once per drain, and a graceful `end` completes when nothing is left.
    fn check_finished(&mut self, now: u64) {
        let empty = self.pending_operations() == 0;
        if empty && !self.outgoing_empty_emitted {
            self.events.push_back(Event::OutgoingEmpty);
        }
        self.outgoing_empty_emitted = empty;
        if empty && self.end_reason.is_some() && self.is_connected() {
            self.finish_end(now, true);
        }
    }
}

/// A PUBLISH that owns nothing, left in the place of one lent to the encoder.
fn blank_publish() -> Publish {
    Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: String::new(),
        pkid: 0,
        payload: Bytes::new(),
        properties: None,
    }
}

/// MQTT.js' `cmd` by packet type (1 CONNECT … 15 AUTH).
pub const PACKET_NAMES: [&str; 16] = [
    "",
    "connect",
    "connack",
    "publish",
    "puback",
    "pubrec",
    "pubrel",
    "pubcomp",
    "subscribe",
    "suback",
    "unsubscribe",
    "unsuback",
    "pingreq",
    "pingresp",
    "disconnect",
    "auth",
];

/// MQTT control packet type number (1 CONNECT … 15 AUTH), for packetsend/packetreceive.
pub fn packet_type(p: &Packet) -> u8 {
    match p {
        Packet::Connect(_) => 1,
        Packet::ConnAck(_) => 2,
        Packet::Publish(_) => 3,
        Packet::Ack(a) => match a.kind {
            AckKind::PubAck => 4,
            AckKind::PubRec => 5,
            AckKind::PubRel => 6,
            AckKind::PubComp => 7,
        },
        Packet::Subscribe(_) => 8,
        Packet::SubAck(_) => 9,
        Packet::Unsubscribe(_) => 10,
        Packet::UnsubAck(_) => 11,
        Packet::PingReq => 12,
        Packet::PingResp => 13,
        Packet::Disconnect(_) => 14,
        Packet::Auth(_) => 15,
    }
}
