//! The MQTT client session, sans-IO: bytes and time in, bytes, events and a deadline out.
//!
//! Shape after quinn-proto: `handle_*` feed it, `poll_transmit` / `poll_event` /
//! `poll_timeout` drain it. It never blocks, reads a clock or touches a socket, so every
//! behaviour is a deterministic function of the calls made — which is how the tests drive it.

pub mod events;
mod fifo;
mod ids;
mod in_flight;
pub mod options;
mod queue;
mod reconnect;
mod small_map;

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::codec::{
    self, validate, Ack, AckKind, Auth, AuthProperties, ConnAck, ConnAckProperties, Connect,
    Decoder, Disconnect, Packet, Publish, PublishProperties, QoS, SubAck, Subscribe,
    SubscribeFilter, SubscribeProperties, UnsubAck, Unsubscribe, Will,
};
pub use events::*;
use fifo::Fifo;
use ids::{IdSet, PacketIds};
use in_flight::InFlight;
pub use options::*;
use queue::{OpQueue, Queued};
use reconnect::ReconnectPolicy;
use small_map::SmallMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not started (manual connect), or stopped reconnecting; `connect`/`reconnect` restart it.
    Idle,
    AwaitCredentials,
    /// OPEN_TRANSPORT emitted; waiting for the socket to open.
    Opening,
    AwaitConnAck,
    Connected,
    /// Waiting for `reconnect_at`.
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
    state: OutState,
    /// Sent on an earlier connection and not yet again on this one: the broker's Receive
    /// Maximum had no room when the session resumed, so it waits for a free slot.
    held: bool,
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

/// What the broker allows on this connection (v5 CONNACK properties; spec defaults otherwise).
#[derive(Clone, Copy)]
struct ServerLimits {
    receive_maximum: u16,
    maximum_packet_size: usize,
    topic_alias_maximum: u16,
    maximum_qos: u8,
    retain_available: bool,
}

const UNLIMITED: ServerLimits = ServerLimits {
    receive_maximum: 65_535,
    maximum_packet_size: MAX_PACKET_SIZE,
    topic_alias_maximum: 0,
    maximum_qos: 2,
    retain_available: true,
};

struct Credentials {
    username: Option<String>,
    password: Option<Bytes>,
    client_id: Option<String>,
}

pub struct Session {
    opts: Options,
    phase: Phase,
    decoder: Decoder,
    tx: Vec<u8>,
    events: Fifo<Event>,
    ids: PacketIds,
    next_op: OpId,
    /// In send order, which is the order of resends and failures.
    outgoing: InFlight<Outgoing>,
    /// How many entries of `outgoing` are `held`.
    held: usize,
    /// In send order too (`SmallMap` keeps insertion order).
    requests: SmallMap<u16, PendingAck>,
    queue: OpQueue,
    /// QoS 2 ids delivered to the page and not yet released: a duplicate is acknowledged, not delivered.
    incoming_qos2: IdSet,
    /// Granted subscriptions, replayed when the broker lost the session (MQTT.js `resubscribe`),
    /// in the order first granted. Found by their filter: a map keyed by a copy of it cost
    /// wasm size and a `String` per subscription.
    subscriptions: Vec<Subscription>,
    server: ServerLimits,
    keepalive_ms: u64,
    last_sent: u64,
    /// When the broker last sent anything: a link that carries only our PUBLISHes may be dead.
    last_received: u64,
    last_ping: u64,
    ping_sent_at: Option<u64>,
    connect_deadline: Option<u64>,
    reconnect_at: Option<u64>,
    inbound_aliases: SmallMap<u16, String>,
    outbound_aliases: SmallMap<String, u16>,
    policy: ReconnectPolicy,
    failures: u32,
    attempts: u32,
    connected_at: Option<u64>,
    quick_closes: u32,
    /// Times in a row the client id was inferred taken: the backoff grows with it.
    takeovers: u32,
    credentials_refreshed: bool,
    credentials: Option<Credentials>,
    hidden: bool,
    offline: bool,
    ending: Option<u8>,
    was_empty: bool,
    packet_events: bool,
}

impl Session {
    /// `seed` feeds the reconnect jitter; pass randomness from the platform.
    pub fn new(opts: Options, seed: u64) -> Result<Session, &'static str> {
        opts.validate()?;
        let policy = ReconnectPolicy::new(opts.reconnect_period_ms, opts.backoff.clone(), seed);
        let decoder = Decoder::new(opts.protocol, opts.max_incoming_packet_size);
        Ok(Session {
            opts,
            phase: Phase::Idle,
            decoder,
            tx: Vec::new(),
            events: Fifo::new(),
            ids: PacketIds::new(),
            next_op: 1,
            outgoing: InFlight::new(),
            held: 0,
            requests: SmallMap::new(),
            queue: OpQueue::new(),
            incoming_qos2: IdSet::new(),
            subscriptions: Vec::new(),
            server: UNLIMITED,
            keepalive_ms: 0,
            last_sent: 0,
            last_received: 0,
            last_ping: 0,
            ping_sent_at: None,
            connect_deadline: None,
            reconnect_at: None,
            inbound_aliases: SmallMap::new(),
            outbound_aliases: SmallMap::new(),
            policy,
            failures: 0,
            attempts: 0,
            connected_at: None,
            quick_closes: 0,
            takeovers: 0,
            credentials_refreshed: false,
            credentials: None,
            hidden: false,
            offline: false,
            ending: None,
            was_empty: true,
            packet_events: false,
        })
    }

    // ----- state the glue exposes as MQTT.js properties ---------------------------------

    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
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
        self.ending.is_some()
    }

    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
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

    /// PACKET_SENT / PACKET_RECEIVED cost an event per packet: only when someone listens.
    pub fn set_packet_events(&mut self, on: bool) {
        self.packet_events = on;
    }

    // ----- draining ---------------------------------------------------------------------

    /// Everything to write, coalesced into one buffer (one WebSocket frame per flush).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.tx.is_empty() {
            None
        } else {
            Some(core::mem::take(&mut self.tx))
        }
    }

    /// What `poll_transmit` would return, borrowed: a driver that copies it out itself
    /// (the wasm boundary) then calls `transmitted`, and the buffer keeps its capacity.
    pub fn pending_transmit(&self) -> &[u8] {
        &self.tx
    }

    /// The bytes of `pending_transmit` were taken.
    pub fn transmitted(&mut self) {
        self.tx.clear();
        // Keep the buffer for the next flush, but not a large one a single big message left.
        if self.tx.capacity() > 1 << 20 {
            self.tx = Vec::new();
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next (ms, the same clock as `now`).
    pub fn poll_timeout(&self) -> Option<u64> {
        let mut next: Option<u64> = None;
        let mut consider = |t: Option<u64>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        consider(self.connect_deadline);
        if self.phase == Phase::WaitReconnect {
            consider(self.reconnect_at);
        }
        if self.phase == Phase::Connected && self.keepalive_ms > 0 {
            consider(Some(match self.ping_sent_at {
                Some(sent) => self.pingresp_deadline(sent),
                None => self.next_ping_at(),
            }));
        }
        next
    }

    /// A keepalive after we last sent anything (the broker needs a packet that often
    /// [MQTT-3.1.2-23]) or after it last sent anything, whichever comes first: a page that
    /// publishes all the time still finds out when nothing comes back. Without
    /// `reschedule_pings`, every keepalive, as MQTT.js.
    fn next_ping_at(&self) -> u64 {
        let base = if self.opts.reschedule_pings {
            self.last_sent.min(self.last_received).max(self.last_ping)
        } else {
            self.last_ping
        };
        base.saturating_add(self.keepalive_ms)
    }

    /// Half a keepalive for the PINGRESP: a dead link is found within 1.5 keepalives of the
    /// broker's last packet, as MQTT.js finds it.
    fn pingresp_deadline(&self, sent: u64) -> u64 {
        sent.saturating_add(self.keepalive_ms.div_ceil(2))
    }

    // ----- connection lifecycle -----------------------------------------------------------

    /// Starts connecting (MQTT.js does this inside `mqtt.connect` unless `manualConnect`).
    pub fn connect(&mut self, now: u64) {
        if self.phase == Phase::Idle {
            self.failures = 0;
            self.start_attempt(now);
        }
    }

    /// MQTT.js `client.reconnect()`: also revives an ended client.
    pub fn reconnect(&mut self, now: u64) {
        match self.phase {
            Phase::Ended => {
                self.ending = None;
                self.phase = Phase::Idle;
            }
            Phase::Connected | Phase::Opening | Phase::AwaitConnAck | Phase::AwaitCredentials => {
                self.events.push_back(Event::CloseTransport);
                self.connection_lost(now, false);
                if self.phase == Phase::Idle || self.phase == Phase::Ended {
                    return;
                }
            }
            _ => {}
        }
        self.failures = 0;
        self.events.push_back(Event::Reconnecting);
        self.start_attempt(now);
    }

    fn start_attempt(&mut self, now: u64) {
        if self.hidden || self.offline {
            self.phase = Phase::Paused;
            return;
        }
        self.attempts += 1;
        self.reconnect_at = None;
        self.connect_deadline = Some(now.saturating_add(self.opts.connect_timeout_ms));
        if self.opts.credentials_provider {
            self.phase = Phase::AwaitCredentials;
            self.events.push_back(Event::NeedCredentials {
                attempt: self.attempts,
            });
        } else {
            self.phase = Phase::Opening;
            self.events.push_back(Event::OpenTransport);
        }
    }

    /// The answer to `NeedCredentials`.
    pub fn provide_credentials(
        &mut self,
        _now: u64,
        username: Option<String>,
        password: Option<Bytes>,
        client_id: Option<String>,
    ) {
        if self.phase != Phase::AwaitCredentials {
            return;
        }
        self.credentials = Some(Credentials {
            username,
            password,
            client_id,
        });
        self.phase = Phase::Opening;
        self.events.push_back(Event::OpenTransport);
    }

    pub fn credentials_failed(&mut self, now: u64, text: &str) {
        if self.phase != Phase::AwaitCredentials {
            return;
        }
        self.error(
            ErrorKind::CredentialsFailed,
            0,
            text_of(&["Credentials provider failed: ", text]),
        );
        self.connection_lost(now, false);
    }

    pub fn transport_opened(&mut self, now: u64) {
        if self.phase != Phase::Opening {
            return;
        }
        self.decoder.clear();
        self.decoder.set_version(self.opts.protocol);
        self.tx.clear();
        let limit = self
            .opts
            .properties
            .as_ref()
            .and_then(|p| p.max_packet_size)
            .map_or(self.opts.max_incoming_packet_size, |m| {
                (m as usize).min(self.opts.max_incoming_packet_size)
            });
        self.decoder.set_max_packet_size(limit);
        self.phase = Phase::AwaitConnAck;
        let packet = Packet::Connect(self.connect_packet());
        let written = self.write_packet(now, &packet);
        if let Packet::Connect(c) = packet {
            self.return_connect_properties(c);
        }
        if let Err(e) = written {
            // Only an oversized will or credentials get here: nothing will ever fix it.
            self.events.push_back(Event::CloseTransport);
            self.error(
                ErrorKind::ProtocolError,
                0,
                text_of(&["CONNECT cannot be encoded: ", e.message()]),
            );
            self.give_up(
                now,
                OpError::ConnectionClosed,
                "Connection closed: CONNECT cannot be encoded",
            );
        }
    }

    /// CONNECT from the options and credentials. The property sets are lent, not copied
    /// (copies cost wasm size): `return_connect_properties` puts them back.
    fn connect_packet(&mut self) -> Connect {
        let o = &mut self.opts;
        let creds = self.credentials.as_ref();
        Connect {
            protocol: o.protocol,
            client_id: creds
                .and_then(|c| c.client_id.clone())
                .unwrap_or_else(|| o.client_id.clone()),
            clean_start: o.clean,
            keep_alive: o.keepalive_s,
            username: match creds {
                Some(c) => c.username.clone(),
                None => o.username.clone(),
            },
            password: match creds {
                Some(c) => c.password.clone(),
                None => o.password.clone(),
            },
            will: o.will.as_mut().map(|w| Will {
                topic: w.topic.clone(),
                payload: w.payload.clone(),
                qos: w.qos,
                retain: w.retain,
                properties: w.properties.take(),
            }),
            properties: o.properties.take(),
        }
    }

    fn return_connect_properties(&mut self, c: Connect) {
        self.opts.properties = c.properties;
        if let (Some(w), Some(sent)) = (&mut self.opts.will, c.will) {
            w.properties = sent.properties;
        }
    }

    /// The socket closed or failed to open; `code`/`reason` are informational.
    pub fn transport_closed(&mut self, now: u64) {
        match self.phase {
            Phase::Opening | Phase::AwaitConnAck | Phase::Connected => {
                // The socket is gone: nothing queued for it can be delivered any more.
                self.tx.clear();
                self.connection_lost(now, true);
            }
            _ => {}
        }
    }

    /// Everything after a connection (or an attempt) ends, whoever ended it. `plain_close`:
    /// the broker closed the socket without a word (no DISCONNECT), which is how a broker
    /// before MQTT 5 drops a connection whose client id another one took.
    fn connection_lost(&mut self, now: u64, plain_close: bool) {
        let was_connected = self.phase == Phase::Connected;
        // The broker had PUBLISHes or requests of ours unanswered: the close may be its answer
        // to them (an in-flight or size limit, an ACL), no sign of a second client.
        let explained = self.outgoing.len() > self.held || self.requests.len() > 0;
        self.events.push_back(Event::Closed { was_connected });
        self.reset_connection_state();
        // SUBSCRIBE/UNSUBSCRIBE are idempotent: send them again on the next connection.
        for (pkid, p) in self.requests.take_all().into_iter().rev() {
            self.ids.release(pkid);
            if p.op != 0 {
                self.queue.push_front(Queued::Request(p.op, p.request));
            }
        }
        if self.ending.is_some() {
            self.finish_end(now, true);
            return;
        }
        // Closes the app or the network caused (hidden, offline) say nothing about the client id.
        if was_connected && plain_close && !self.hidden && !self.offline {
            let quick = self
                .connected_at
                .is_some_and(|t| now.saturating_sub(t) <= self.opts.same_client_id_window_ms);
            if !quick {
                self.quick_closes = 0;
                self.takeovers = 0;
            } else if !explained {
                self.quick_closes += 1;
            }
            if self.quick_closes >= self.opts.same_client_id_limit {
                self.client_id_taken(now, false);
                return;
            }
        }
        self.schedule_reconnect(now);
    }

    fn reset_connection_state(&mut self) {
        self.decoder.clear();
        self.server = UNLIMITED;
        self.keepalive_ms = 0;
        self.ping_sent_at = None;
        self.connect_deadline = None;
        self.inbound_aliases.clear();
        self.outbound_aliases.clear();
        self.phase = Phase::Idle;
    }

    /// `taken_over`: the broker said so (v5 DISCONNECT 0x8E), which stops reconnecting.
    /// Otherwise it was inferred from closes right after CONNACK, which may be wrong: the
    /// client reports it and waits longer each time (`takeover_delay_ms`) unless the page
    /// chose to stop (`stop_on_client_id_taken`). Queued work waits for the next connection.
    fn client_id_taken(&mut self, now: u64, taken_over: bool) {
        let mut text = text_of(&[
            "Client id \"",
            &self.opts.client_id,
            "\" is in use by another connection: ",
        ]);
        if taken_over {
            text.push_str("the broker reported \"session taken over\" (logged in elsewhere)");
        } else {
            text.push_str("the broker closed this one ");
            push_number(&mut text, self.quick_closes as u64);
            text.push_str(" times in a row right after connecting (\"logged in elsewhere\")");
        }
        if taken_over || self.opts.stop_on_client_id_taken {
            text.push_str(". Reconnecting stopped; use a unique clientId per device.");
            self.error(ErrorKind::ClientIdTaken, 0, text);
            self.give_up(
                now,
                OpError::ConnectionClosed,
                "Connection closed: client id in use elsewhere",
            );
            return;
        }
        self.takeovers += 1;
        let delay = takeover_delay_ms(self.takeovers);
        text.push_str(". Trying again in ");
        push_number(&mut text, delay / 1000);
        text.push_str(" s; use a unique clientId per device.");
        self.error(ErrorKind::ClientIdTaken, 0, text);
        self.schedule_reconnect(now);
        if let Some(at) = self.reconnect_at.as_mut() {
            *at = (*at).max(now.saturating_add(delay));
        }
    }

    fn schedule_reconnect(&mut self, now: u64) {
        if !self.policy.enabled() {
            self.phase = Phase::Idle;
            return;
        }
        self.failures += 1;
        let max = self.opts.max_reconnect_attempts;
        if max > 0 && self.failures > max {
            let mut text = String::from("Gave up reconnecting after ");
            push_number(&mut text, max as u64);
            text.push_str(" failed attempts");
            self.error(ErrorKind::ReconnectExhausted, 0, text);
            self.give_up(
                now,
                OpError::ConnectionClosed,
                "Connection closed: reconnect attempts exhausted",
            );
            return;
        }
        if self.hidden || self.offline {
            self.phase = Phase::Paused;
            return;
        }
        self.phase = Phase::WaitReconnect;
        self.reconnect_at = Some(now.saturating_add(self.policy.delay_ms(self.failures)));
    }

    /// Stops reconnecting and fails every unfinished operation, so each callback fires once.
    fn give_up(&mut self, now: u64, error: OpError, text: &str) {
        let _ = now;
        self.reset_connection_state();
        self.fail_everything(error, text);
        self.phase = Phase::Idle;
    }

    fn fail_everything(&mut self, error: OpError, text: &str) {
        self.held = 0;
        for (_, o) in self.outgoing.take_all() {
            let Some(o) = o else { continue };
            self.ids.release(o.publish.pkid);
            self.fail(o.op, error, 0, o.publish.pkid, text);
        }
        for (pkid, p) in self.requests.take_all() {
            self.ids.release(pkid);
            // op 0 is an internal resubscription: the page has no callback waiting for it.
            if p.op != 0 {
                self.fail(p.op, error, 0, 0, text);
            }
        }
        while let Some(q) = self.queue.pop(true) {
            self.fail(q.op(), error, 0, 0, text);
        }
    }

    /// App hidden (`true`) or shown again (`false`).
    pub fn set_suspended(&mut self, now: u64, hidden: bool) {
        self.hidden = hidden;
        self.availability_changed(now);
        if !hidden
            && self.phase == Phase::Connected
            && self.ping_sent_at.is_none()
            && self.keepalive_ms > 0
        {
            // Timers are throttled in the background: prove the link is alive now, not a keepalive later.
            self.send_ping(now);
        }
    }

    pub fn network_changed(&mut self, now: u64, online: bool) {
        self.offline = !online;
        self.availability_changed(now);
    }

    fn availability_changed(&mut self, now: u64) {
        let away = self.hidden || self.offline;
        // The platform may report hide/offline after the close it caused: start counting afresh.
        self.quick_closes = 0;
        match self.phase {
            Phase::WaitReconnect if away => {
                self.reconnect_at = None;
                self.phase = Phase::Paused;
            }
            Phase::WaitReconnect | Phase::Paused if !away => {
                self.events.push_back(Event::Reconnecting);
                self.start_attempt(now);
            }
            _ => {}
        }
    }

    /// MQTT.js `end(force)`: graceful waits for everything in flight, force drops it.
    pub fn end(&mut self, now: u64, force: bool, reason: u8) {
        if self.phase == Phase::Ended {
            self.events.push_back(Event::Ended);
            return;
        }
        self.ending = Some(reason);
        self.reconnect_at = None;
        if force || self.phase != Phase::Connected || self.pending_operations() == 0 {
            self.finish_end(now, !force);
        }
    }

    /// `graceful`: say DISCONNECT before closing. A forced end only drops the connection, as
    /// MQTT.js' `end(true)` destroys its stream: the broker then publishes the Will.
    fn finish_end(&mut self, now: u64, graceful: bool) {
        let reason = self.ending.unwrap_or(0);
        let had_transport = matches!(
            self.phase,
            Phase::Opening | Phase::AwaitConnAck | Phase::Connected
        );
        if self.phase == Phase::Connected && graceful {
            let props = None;
            let _ = self.write_packet(
                now,
                &Packet::Disconnect(Disconnect {
                    reason,
                    properties: props,
                }),
            );
        }
        self.reset_connection_state();
        if had_transport {
            self.events.push_back(Event::CloseTransport);
            self.events.push_back(Event::Closed {
                was_connected: false,
            });
        }
        self.fail_everything(
            OpError::ConnectionClosed,
            "Connection closed: the client ended",
        );
        self.phase = Phase::Ended;
        self.events.push_back(Event::Ended);
    }

    // ----- time -------------------------------------------------------------------------

    pub fn handle_timeout(&mut self, now: u64) {
        if self.connect_deadline.is_some_and(|d| now >= d)
            && matches!(
                self.phase,
                Phase::AwaitCredentials | Phase::Opening | Phase::AwaitConnAck
            )
        {
            self.events.push_back(Event::CloseTransport);
            self.error(
                ErrorKind::ConnectTimeout,
                0,
                String::from("Connect timeout: no CONNACK within connectTimeout"),
            );
            self.connection_lost(now, false);
            return;
        }
        match self.phase {
            Phase::WaitReconnect if self.reconnect_at.is_some_and(|t| now >= t) => {
                self.events.push_back(Event::Reconnecting);
                self.start_attempt(now);
            }
            Phase::Connected if self.keepalive_ms > 0 => {
                if let Some(sent) = self.ping_sent_at {
                    if now >= self.pingresp_deadline(sent) {
                        self.events.push_back(Event::CloseTransport);
                        self.error(
                            ErrorKind::KeepaliveTimeout,
                            0,
                            String::from("Keepalive timeout: no answer from the broker to PINGREQ"),
                        );
                        self.connection_lost(now, false);
                    }
                } else if now >= self.next_ping_at() {
                    self.send_ping(now);
                }
            }
            _ => {}
        }
    }

    fn send_ping(&mut self, now: u64) {
        if self.write_packet(now, &Packet::PingReq).is_ok() {
            self.ping_sent_at = Some(now);
            self.last_ping = now;
        }
    }

    // ----- incoming bytes -------------------------------------------------------------------

    pub fn handle_bytes(&mut self, now: u64, bytes: &[u8]) {
        if !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected) {
            return;
        }
        self.decoder.push(bytes);
        self.decode_buffered(now);
    }

    /// `handle_bytes` for a buffer the caller gives away: when nothing is buffered the
    /// decoder adopts it, so packets (and message payloads) are cut from it without a copy.
    pub fn handle_owned_bytes(&mut self, now: u64, bytes: Vec<u8>) {
        if !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected) {
            return;
        }
        self.decoder.push_owned(bytes);
        self.decode_buffered(now);
    }

    fn decode_buffered(&mut self, now: u64) {
        loop {
            match self.decoder.next_from_broker() {
                Ok(Some(packet)) => {
                    self.handle_packet(now, packet);
                    if !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected) {
                        return;
                    }
                }
                Ok(None) => return,
                Err(codec::CodecError::NotFromBroker(packet_type)) => {
                    self.packet_seen(now, packet_type);
                    self.refuse_packet(now);
                    return;
                }
                Err(e) => {
                    self.protocol_violation(now, e.reason_code(), e.message());
                    return;
                }
            }
        }
    }

    /// The broker broke the protocol: tell it why (v5), close, report, reconnect.
    fn protocol_violation(&mut self, now: u64, reason: u8, what: &str) {
        if self.opts.protocol.is_v5() {
            let _ = self.write_packet(
                now,
                &Packet::Disconnect(Disconnect {
                    reason,
                    properties: None,
                }),
            );
        }
        self.events.push_back(Event::CloseTransport);
        self.error(
            ErrorKind::ProtocolError,
            reason,
            text_of(&["Protocol error from the broker: ", what]),
        );
        self.connection_lost(now, false);
    }

    /// Any packet is a sign of life, and the page may want to see it.
    fn packet_seen(&mut self, now: u64, packet_type: u8) {
        self.ping_sent_at = None;
        self.last_received = now;
        if self.packet_events {
            self.events.push_back(Event::PacketReceived { packet_type });
        }
    }

    /// A packet the broker may not send now (or ever: the decoder leaves CONNECT, SUBSCRIBE
    /// and UNSUBSCRIBE unread, and they end here as PINGREQ does).
    fn refuse_packet(&mut self, now: u64) {
        let what = if self.phase == Phase::AwaitConnAck {
            "expected CONNACK first"
        } else {
            "a packet a broker must not send to a client"
        };
        self.protocol_violation(now, 0x82, what);
    }

    fn handle_packet(&mut self, now: u64, packet: Packet) {
        self.packet_seen(now, packet_type(&packet));
        let v5 = self.opts.protocol.is_v5();
        let awaiting = self.phase == Phase::AwaitConnAck;
        match packet {
            // Enhanced authentication happens before CONNACK as well as after it.
            Packet::Auth(auth) if v5 => self.events.push_back(Event::Auth {
                reason: auth.reason,
                properties: auth.properties,
            }),
            Packet::ConnAck(ack) if awaiting => self.handle_connack(now, ack),
            _ if awaiting => self.refuse_packet(now),
            Packet::Publish(p) => self.handle_publish(now, p),
            Packet::Ack(ack) => self.handle_ack(now, ack),
            Packet::SubAck(ack) => self.handle_suback(now, ack),
            Packet::UnsubAck(ack) => self.handle_unsuback(now, ack),
            Packet::PingResp => {}
            Packet::Disconnect(d) if v5 => self.handle_server_disconnect(now, d),
            // MQTT 3.1/3.1.1 define DISCONNECT for clients only [MQTT-3.14]: a broker sending
            // one is broken, and a plain close would hide that from the page.
            Packet::Disconnect(_) => self.protocol_violation(
                now,
                0x82,
                "DISCONNECT, which before MQTT 5 only a client sends",
            ),
            _ => self.refuse_packet(now),
        }
    }

    fn handle_connack(&mut self, now: u64, ack: ConnAck) {
        let v5 = self.opts.protocol.is_v5();
        if ack.code != 0 {
            self.refused(now, ack.code, v5);
            return;
        }
        if ack.session_present && self.opts.clean {
            // The client asked for a new session and holds no state to resume, so a broker
            // claiming one is broken [MQTT-3.2.2-1], and v5 requires closing [MQTT-3.2.2-4].
            return self.protocol_violation(
                now,
                0x82,
                "CONNACK with Session Present 1 in answer to a clean session request",
            );
        }
        self.phase = Phase::Connected;
        self.connect_deadline = None;
        self.connected_at = Some(now);
        self.failures = 0;
        self.attempts = 0;
        self.credentials_refreshed = false;
        self.keepalive_ms = self.opts.keepalive_s as u64 * 1000;
        if let Some(p) = &ack.properties {
            self.apply_server_properties(p);
        }
        self.last_sent = now;
        self.last_received = now;
        self.last_ping = now;
        let session_present = ack.session_present;
        self.events.push_back(Event::Connected {
            session_present,
            code: ack.code,
            properties: ack.properties,
        });
        // Subscriptions first, as MQTT.js: a PUBLISH resent to a broker that lost the session
        // (another node of a cluster) reaches our own subscriptions too.
        if self.opts.resubscribe && !session_present && !self.subscriptions.is_empty() {
            self.resubscribe(now);
        }
        self.resume_session(now, session_present);
        self.flush_queue(now);
        self.check_finished(now);
    }

    fn refused(&mut self, now: u64, code: u8, v5: bool) {
        self.events.push_back(Event::CloseTransport);
        if self.opts.credentials_provider
            && is_bad_credentials(code, v5)
            && !self.credentials_refreshed
        {
            // Tokens expire: ask the provider once more before reporting the refusal.
            self.credentials_refreshed = true;
            self.events.push_back(Event::Closed {
                was_connected: false,
            });
            self.reset_connection_state();
            self.start_attempt(now);
            return;
        }
        // The glue appends the code's wording (MQTT.js: "Connection refused: Not authorized").
        self.error(
            ErrorKind::ConnectionRefused,
            code,
            String::from("Connection refused"),
        );
        if self.opts.reconnect_on_connack_error {
            self.connection_lost(now, false);
        } else {
            self.events.push_back(Event::Closed {
                was_connected: false,
            });
            self.give_up(
                now,
                OpError::ConnectionClosed,
                "Connection closed: the broker refused the connection",
            );
        }
    }

    fn apply_server_properties(&mut self, p: &ConnAckProperties) {
        if let Some(v) = p.receive_max {
            self.server.receive_maximum = v.max(1);
        }
        if let Some(v) = p.max_packet_size {
            self.server.maximum_packet_size = v as usize;
        }
        if let Some(v) = p.topic_alias_max {
            self.server.topic_alias_maximum = v;
        }
        if let Some(v) = p.max_qos {
            self.server.maximum_qos = v;
        }
        if let Some(v) = p.retain_available {
            self.server.retain_available = v != 0;
        }
        if let Some(v) = p.server_keep_alive {
            self.keepalive_ms = v as u64 * 1000;
        }
        if let Some(id) = &p.assigned_client_identifier {
            self.opts.client_id = id.clone();
        }
    }

    /// Session present: resend unacknowledged PUBLISH (DUP) and PUBREL in original order with
    /// original ids [MQTT-4.4.0-1]. Session lost: what the broker confirmed (PUBREC) is done;
    /// the rest is published again, so nothing the page handed us is lost.
    ///
    /// Either way no more PUBLISHes than the window (`maxInflight`, this CONNACK's Receive
    /// Maximum, which may be lower than the last one [MQTT-4.9.0-2]) go out; the rest are held and resent in order as
    /// acknowledgements free slots (`resend_held`). A QoS 2 message awaiting PUBCOMP takes a
    /// slot too: only PUBCOMP gives the broker's quota back.
    fn resume_session(&mut self, now: u64, session_present: bool) {
        if !session_present {
            self.incoming_qos2.clear();
        }
        let limit = self.window();
        let mut unacked = 0;
        self.held = 0;
        for pkid in self.outgoing.ids() {
            let Some(o) = self.outgoing.get_mut(pkid) else {
                continue;
            };
            o.held = false;
            match (o.state, session_present) {
                (OutState::Qos2Released, true) => {
                    unacked += 1;
                    self.write_ack(now, AckKind::PubRel, pkid, 0);
                }
                (OutState::Qos2Released, false) => {
                    if let Some(o) = self.outgoing.remove(pkid) {
                        self.ids.release(pkid);
                        self.done(o.op, pkid, 0, Vec::new(), None);
                    }
                }
                _ => {
                    // A redelivery only when the broker kept the session; otherwise it is new to it.
                    o.publish.dup = session_present;
                    if unacked >= limit {
                        o.held = true;
                        self.held += 1;
                    } else if self.resend(now, pkid) {
                        unacked += 1;
                    }
                }
            }
        }
    }

    /// Held PUBLISHes go out in their original order while Receive Maximum has room, ahead
    /// of queued work (which `can_send` keeps waiting: held entries count in `outgoing`).
    /// Each one is sought from the front; at most Receive Maximum entries precede it.
    fn resend_held(&mut self, now: u64) {
        while self.held > 0
            && self.phase == Phase::Connected
            && self.outgoing.len() - self.held < self.window()
        {
            let Some(pkid) = self.outgoing.first_id(|o| o.held) else {
                break;
            };
            if let Some(o) = self.outgoing.get_mut(pkid) {
                o.held = false;
            }
            self.held -= 1;
            self.resend(now, pkid);
        }
    }

    /// Writes an in-flight PUBLISH again as stored; one that no longer fits the broker's
    /// Maximum Packet Size fails instead. Whether it went out.
    fn resend(&mut self, now: u64, pkid: u16) -> bool {
        // Lent to the encoder and put back: a copy of every resent PUBLISH cost wasm size.
        let Some(o) = self.outgoing.get_mut(pkid) else {
            return false;
        };
        let mut p = core::mem::replace(&mut o.publish, blank_publish());
        let sent = self.write_publish(now, &mut p).is_ok();
        if let Some(o) = self.outgoing.get_mut(pkid) {
            o.publish = p;
        }
        if sent {
            return true;
        }
        if let Some(o) = self.outgoing.remove(pkid) {
            self.ids.release(pkid);
            self.fail(
                o.op,
                OpError::PacketTooLarge,
                0,
                pkid,
                "Message larger than the broker's Maximum Packet Size",
            );
        }
        false
    }

    /// Filters subscribed with equal properties share a SUBSCRIBE (at most 64 filters each),
    /// in the order they were first granted; properties belong to a whole SUBSCRIBE, so
    /// filters with different ones cannot. Quadratic in the number of subscriptions, which
    /// is small; a map keyed by properties would cost wasm size for nothing.
    fn resubscribe(&mut self, now: u64) {
        for i in 0..self.subscriptions.len() {
            let subs = &self.subscriptions;
            let properties = &subs[i].properties;
            // Sent with the first filter that has these properties.
            if subs[..i].iter().any(|s| s.properties == *properties) {
                continue;
            }
            // A loop: `filter().map().collect()` cost 430 bytes of wasm more.
            let mut filters: Vec<SubscribeFilter> = Vec::new();
            for s in &subs[i..] {
                if s.properties == *properties {
                    filters.push(s.filter.clone());
                }
            }
            let properties = properties.clone();
            for chunk in filters.chunks(64) {
                if !self.resubscribe_within_limit(now, chunk, &properties) {
                    return;
                }
            }
        }
    }

    /// Sends `filters` in SUBSCRIBEs within the broker's Maximum Packet Size: each filter
    /// fitted when the page subscribed it, but packed together, or under a smaller limit on
    /// this connection, they may not, and a broker closes the connection on an oversized
    /// packet (which would repeat on every reconnect). A batch too large is split in halves
    /// (not the fewest packets, but no size arithmetic beside the encoder's own check); a
    /// single filter too large is reported (op 0: the resubscription) and skipped.
    /// False when packet identifiers ran out.
    fn resubscribe_within_limit(
        &mut self,
        now: u64,
        filters: &[SubscribeFilter],
        properties: &Option<SubscribeProperties>,
    ) -> bool {
        let mut batches = Vec::new();
        batches.push(filters);
        while let Some(batch) = batches.pop() {
            let Some(pkid) = self.ids.allocate() else {
                return false;
            };
            let request = Packet::Subscribe(Subscribe {
                pkid,
                filters: batch.to_vec(),
                properties: properties.clone(),
            });
            if self
                .write_packet_within(now, &request, self.server.maximum_packet_size)
                .is_ok()
            {
                self.requests.insert(pkid, PendingAck { op: 0, request });
                continue;
            }
            self.ids.release(pkid);
            if batch.len() > 1 {
                let (first, second) = batch.split_at(batch.len() / 2);
                batches.push(second);
                batches.push(first);
            } else {
                let mut text = String::from(
                    "Resubscription larger than the broker's Maximum Packet Size, not sent: ",
                );
                text.push_str(&batch[0].filter);
                self.fail(0, OpError::PacketTooLarge, 0, 0, text);
            }
        }
        true
    }

    fn handle_publish(&mut self, now: u64, mut p: Publish) {
        if let Some(alias) = p.properties.as_ref().and_then(|pp| pp.topic_alias) {
            let max = self
                .opts
                .properties
                .as_ref()
                .and_then(|cp| cp.topic_alias_max)
                .unwrap_or(0);
            if alias == 0 || alias > max {
                return self.protocol_violation(now, 0x94, "topic alias out of range");
            }
            if p.topic.is_empty() {
                match self.inbound_aliases.get(&alias) {
                    Some(t) => p.topic = t.clone(),
                    None => return self.protocol_violation(now, 0x82, "unknown topic alias"),
                }
            } else {
                self.inbound_aliases.insert(alias, p.topic.clone());
            }
        } else if p.topic.is_empty() {
            return self.protocol_violation(now, 0x82, "PUBLISH without topic");
        }
        match p.qos {
            QoS::AtMostOnce => self.deliver(p),
            QoS::AtLeastOnce => {
                let pkid = p.pkid;
                self.deliver(p);
                self.write_ack(now, AckKind::PubAck, pkid, 0);
            }
            QoS::ExactlyOnce => {
                let pkid = p.pkid;
                if !self.incoming_qos2.contains(pkid) {
                    let limit = self
                        .opts
                        .properties
                        .as_ref()
                        .and_then(|cp| cp.receive_maximum)
                        .unwrap_or(65_535) as usize;
                    if self.incoming_qos2.len() >= limit {
                        return self.protocol_violation(now, 0x93, "receive maximum exceeded");
                    }
                    self.incoming_qos2.insert(pkid);
                    self.deliver(p);
                }
                self.write_ack(now, AckKind::PubRec, pkid, 0);
            }
        }
    }

    fn deliver(&mut self, p: Publish) {
        self.events.push_back(Event::Message(p));
    }

    fn handle_ack(&mut self, now: u64, ack: Ack) {
        let pkid = ack.pkid;
        let expected = match ack.kind {
            AckKind::PubRel => {
                let known = self.incoming_qos2.remove(pkid);
                let reason = if known || !self.opts.protocol.is_v5() {
                    0
                } else {
                    0x92
                };
                self.write_ack(now, AckKind::PubComp, pkid, reason);
                return;
            }
            AckKind::PubAck => OutState::Qos1Sent,
            AckKind::PubRec => OutState::Qos2Sent,
            AckKind::PubComp => OutState::Qos2Released,
        };
        let (state, held) = match self.outgoing.get(pkid) {
            Some(o) => (Some(o.state), o.held),
            None => (None, false),
        };
        match (ack.kind, state) {
            (_, Some(s)) if s == expected => {}
            // A repeated PUBREC after we moved on: the PUBREL may have been lost.
            (AckKind::PubRec, Some(OutState::Qos2Released)) => {
                self.write_ack(now, AckKind::PubRel, pkid, 0);
                return;
            }
            // The broker still holds a QoS 2 message we no longer know (its PUBCOMP was lost
            // with the old session): release it so it can let the id go [MQTT-4.3.3].
            (AckKind::PubRec, None) if ack.reason < 0x80 => {
                let reason = if self.opts.protocol.is_v5() { 0x92 } else { 0 };
                self.write_ack(now, AckKind::PubRel, pkid, reason);
                return self.ignored(ack.kind, pkid);
            }
            // Brokers resend acknowledgements (after a resume, on their own timers); the
            // operation was completed by the first one, so a repeat changes nothing.
            _ => return self.ignored(ack.kind, pkid),
        }
        if held {
            // Acknowledged before we resent it on this connection: the broker had it, so it
            // needs no resend and leaves the held count.
            if let Some(o) = self.outgoing.get_mut(pkid) {
                o.held = false;
            }
            self.held -= 1;
        }
        if ack.kind == AckKind::PubRec && ack.reason < 0x80 {
            if let Some(o) = self.outgoing.get_mut(pkid) {
                o.state = OutState::Qos2Released;
            }
            self.write_ack(now, AckKind::PubRel, pkid, 0);
            return;
        }
        let Some(o) = self.outgoing.remove(pkid) else {
            return;
        };
        self.ids.release(pkid);
        if ack.reason >= 0x80 {
            self.fail(o.op, OpError::Refused, ack.reason, pkid, "Publish error");
        } else {
            self.done(o.op, pkid, ack.reason, Vec::new(), ack.properties);
        }
        self.flush_queue(now);
        self.check_finished(now);
    }

    /// An acknowledgement for a packet identifier that is not waiting for it: said in the
    /// page's debug log only.
    fn ignored(&mut self, kind: AckKind, pkid: u16) {
        let name = match kind {
            AckKind::PubAck => "PUBACK",
            AckKind::PubRec => "PUBREC",
            AckKind::PubRel => "PUBREL",
            AckKind::PubComp => "PUBCOMP",
        };
        let mut text = text_of(&["ignored ", name, " for packet id "]);
        push_number(&mut text, pkid as u64);
        text.push_str(": not in flight (a repeated acknowledgement)");
        self.events.push_back(Event::Debug { text });
    }

    fn handle_suback(&mut self, now: u64, ack: SubAck) {
        let Some(PendingAck {
            request: Packet::Subscribe(sub),
            ..
        }) = self.requests.get(&ack.pkid)
        else {
            return self.protocol_violation(now, 0x82, "SUBACK for an unknown packet identifier");
        };
        if sub.filters.len() != ack.codes.len() {
            return self.protocol_violation(now, 0x82, "SUBACK code count differs from SUBSCRIBE");
        }
        let Some(p) = self.requests.remove(&ack.pkid) else {
            return;
        };
        self.ids.release(ack.pkid);
        if let Packet::Subscribe(Subscribe {
            filters,
            properties,
            ..
        }) = p.request
        {
            for (filter, code) in filters.into_iter().zip(ack.codes.iter()) {
                if *code < 0x80 {
                    let sub = Subscription {
                        filter,
                        properties: properties.clone(),
                    };
                    // A filter subscribed again keeps its place with the new options.
                    match self
                        .subscriptions
                        .iter_mut()
                        .find(|s| s.filter.filter == sub.filter.filter)
                    {
                        Some(slot) => *slot = sub,
                        None => self.subscriptions.push(sub),
                    }
                }
            }
        }
        if p.op != 0 {
            self.done(p.op, ack.pkid, 0, ack.codes, ack.properties);
        }
        self.flush_queue(now);
        self.check_finished(now);
    }

    fn handle_unsuback(&mut self, now: u64, ack: UnsubAck) {
        let Some(PendingAck {
            request: Packet::Unsubscribe(_),
            ..
        }) = self.requests.get(&ack.pkid)
        else {
            return self.protocol_violation(now, 0x82, "UNSUBACK for an unknown packet identifier");
        };
        let Some(p) = self.requests.remove(&ack.pkid) else {
            return;
        };
        self.ids.release(ack.pkid);
        if let Packet::Unsubscribe(unsub) = p.request {
            for f in &unsub.filters {
                if let Some(i) = self
                    .subscriptions
                    .iter()
                    .position(|s| s.filter.filter == *f)
                {
                    self.subscriptions.remove(i);
                }
            }
        }
        self.done(p.op, ack.pkid, 0, ack.codes, ack.properties);
        self.flush_queue(now);
        self.check_finished(now);
    }

    fn handle_server_disconnect(&mut self, now: u64, d: Disconnect) {
        let reason = d.reason;
        self.events.push_back(Event::ServerDisconnect {
            reason,
            properties: d.properties,
        });
        self.events.push_back(Event::CloseTransport);
        if reason == 0x8E {
            self.reset_connection_state();
            self.events.push_back(Event::Closed {
                was_connected: true,
            });
            self.client_id_taken(now, true);
            return;
        }
        // A DISCONNECT with a reason is an explanation: never counted as a takeover.
        self.connection_lost(now, false);
    }

    // ----- operations from the page --------------------------------------------------------

    fn new_op(&mut self) -> OpId {
        let op = self.next_op;
        self.next_op = self.next_op.wrapping_add(1).max(1);
        op
    }

    /// Returns at once; the outcome arrives as `OpDone`/`OpFailed`.
    #[allow(clippy::too_many_arguments)]
    pub fn publish(
        &mut self,
        now: u64,
        topic: &str,
        payload: &[u8],
        qos: u8,
        retain: bool,
        dup: bool,
        properties: Option<PublishProperties>,
    ) -> OpId {
        let payload = codec::bytes_of(payload.to_vec());
        self.publish_bytes(now, topic, payload, qos, retain, dup, properties)
    }

    /// `publish` with a payload the caller gives away (no copy: the JS boundary already
    /// made one when it moved the page's bytes into linear memory).
    #[allow(clippy::too_many_arguments)]
    pub fn publish_bytes(
        &mut self,
        now: u64,
        topic: &str,
        payload: Bytes,
        qos: u8,
        retain: bool,
        dup: bool,
        properties: Option<PublishProperties>,
    ) -> OpId {
        let op = self.new_op();
        if self.rejects_new_work(op) {
            return op;
        }
        let qos = match qos_of(qos) {
            Some(q) => q,
            None => {
                self.fail(
                    op,
                    OpError::InvalidQoS,
                    0,
                    0,
                    "Invalid QoS: must be 0, 1 or 2",
                );
                return op;
            }
        };
        let v5 = self.opts.protocol.is_v5();
        let properties = if v5 { properties } else { None };
        let aliased = properties.as_ref().is_some_and(|p| p.topic_alias.is_some());
        if !(v5 && aliased && topic.is_empty()) && validate::topic_name(topic).is_err() {
            self.fail(
                op,
                OpError::InvalidTopic,
                0,
                0,
                text_of(&["Invalid topic ", topic]),
            );
            return op;
        }
        let packet = Packet::Publish(Publish {
            dup: dup && qos != QoS::AtMostOnce,
            qos,
            retain,
            topic: String::from(topic),
            // Any non-zero id has the same size; the real one is assigned when it is sent.
            pkid: if qos == QoS::AtMostOnce { 0 } else { 1 },
            payload,
            properties,
        });
        let size = codec::encoded_len_from_client(&packet, self.opts.protocol);
        // Measured inside a Packet and taken back out: no copy of topic and properties.
        let Packet::Publish(mut publish) = packet else {
            unreachable!("built as a PUBLISH just above")
        };
        publish.pkid = 0;
        match size {
            Ok(len) if len <= MAX_PACKET_SIZE => {}
            _ => {
                self.fail(
                    op,
                    OpError::PacketTooLarge,
                    0,
                    0,
                    "Message too large for MQTT",
                );
                return op;
            }
        }
        if self.phase == Phase::Connected
            && !self.queue.line_busy(qos != QoS::AtMostOnce)
            && self.can_send(qos)
        {
            self.send_publish(now, op, publish);
        } else if qos == QoS::AtMostOnce
            && !self.opts.queue_qos_zero
            && self.phase != Phase::Connected
        {
            self.fail(op, OpError::NoConnection, 0, 0, "No connection to broker");
        } else {
            self.enqueue(op, Queued::Publish(op, publish));
        }
        op
    }

    pub fn subscribe(
        &mut self,
        now: u64,
        mut filters: Vec<SubscribeFilter>,
        properties: Option<SubscribeProperties>,
    ) -> OpId {
        let op = self.new_op();
        if self.rejects_new_work(op) {
            return op;
        }
        if filters.is_empty() {
            self.fail(
                op,
                OpError::InvalidTopic,
                0,
                0,
                "Invalid topic: no topic to subscribe to",
            );
            return op;
        }
        for f in &filters {
            if validate::topic_filter(&f.filter).is_err() {
                self.fail(
                    op,
                    OpError::InvalidTopic,
                    0,
                    0,
                    text_of(&["Invalid topic ", &f.filter]),
                );
                return op;
            }
            if f.retain_handling > 2 {
                self.fail(
                    op,
                    OpError::InvalidArgument,
                    0,
                    0,
                    "Invalid retain handling: must be 0, 1 or 2",
                );
                return op;
            }
        }
        let v5 = self.opts.protocol.is_v5();
        if !v5 {
            for f in &mut filters {
                f.no_local = false;
                f.retain_as_published = false;
                f.retain_handling = 0;
            }
        }
        // An empty set is no set: it is written the same, and resubscription groups filters
        // by equal properties, so `Some(empty)` must not split them from `None`.
        let properties =
            properties.filter(|p| v5 && (p.id.is_some() || !p.user_properties.is_empty()));
        let sub = Subscribe {
            pkid: 0,
            filters,
            properties,
        };
        self.request(now, op, Packet::Subscribe(sub));
        op
    }

    pub fn unsubscribe(
        &mut self,
        now: u64,
        filters: Vec<String>,
        user_properties: Vec<(String, String)>,
    ) -> OpId {
        let op = self.new_op();
        if self.rejects_new_work(op) {
            return op;
        }
        if filters.is_empty() {
            self.fail(
                op,
                OpError::InvalidTopic,
                0,
                0,
                "Invalid topic: no topic to unsubscribe from",
            );
            return op;
        }
        for f in &filters {
            if validate::topic_filter(f).is_err() {
                self.fail(
                    op,
                    OpError::InvalidTopic,
                    0,
                    0,
                    text_of(&["Invalid topic ", f]),
                );
                return op;
            }
        }
        let user_properties = if self.opts.protocol.is_v5() {
            user_properties
        } else {
            Vec::new()
        };
        self.request(
            now,
            op,
            Packet::Unsubscribe(Unsubscribe {
                pkid: 0,
                filters,
                user_properties,
            }),
        );
        op
    }

    fn request(&mut self, now: u64, op: OpId, request: Request) {
        if self.phase == Phase::Connected
            && !self.queue.line_busy(false)
            && self.ids.in_flight() < 65_535
        {
            self.send_request(now, op, request);
        } else {
            self.enqueue(op, Queued::Request(op, request));
        }
    }

    /// An operation the driver could not even parse: fails like any other, asynchronously.
    pub fn reject(&mut self, error: OpError, text: &str) -> OpId {
        let op = self.new_op();
        self.fail(op, error, 0, 0, text);
        op
    }

    fn rejects_new_work(&mut self, op: OpId) -> bool {
        if self.ending.is_some() || self.phase == Phase::Ended {
            self.fail(op, OpError::Disconnecting, 0, 0, "client disconnecting");
            return true;
        }
        false
    }

    fn enqueue(&mut self, op: OpId, item: Queued) {
        let by_count = self.queue.len() >= self.opts.queue_limit;
        if by_count || self.queue.bytes() + item.size() > self.opts.queue_byte_limit {
            let mut text = String::from("Offline queue full (");
            if by_count {
                text.push_str("queueLimit ");
                push_number(&mut text, self.opts.queue_limit as u64);
            } else {
                text.push_str("queueByteLimit ");
                push_number(&mut text, self.opts.queue_byte_limit as u64);
                text.push_str(" bytes");
            }
            text.push_str("): operation not queued");
            self.fail(op, OpError::QueueFull, 0, 0, text);
            return;
        }
        self.queue.push_back(item);
        self.was_empty = false;
    }

    /// QoS 1/2 PUBLISHes allowed in flight at once: `maxInflight`, and never more than the
    /// broker's Receive Maximum. Before MQTT 5 the broker cannot say its limit, and
    /// Mosquitto closes the connection at the first PUBLISH over it.
    fn window(&self) -> usize {
        let own = self
            .opts
            .max_inflight
            .unwrap_or(if self.opts.protocol.is_v5() {
                u16::MAX
            } else {
                DEFAULT_MAX_INFLIGHT
            });
        own.min(self.server.receive_maximum) as usize
    }

    /// Only QoS 1/2 PUBLISHes wait for the window [MQTT-3.3.4-7]; QoS 0 ones, SUBSCRIBE,
    /// UNSUBSCRIBE and PINGREQ go out with the quota at zero [MQTT-3.3.4-9].
    fn can_send(&self, qos: QoS) -> bool {
        qos == QoS::AtMostOnce
            || (self.outgoing.len() < self.window() && self.ids.in_flight() < 65_535)
    }

    /// Sends queued work in call order; while the window is full, the operations it does
    /// not limit keep going out (`OpQueue`).
    fn flush_queue(&mut self, now: u64) {
        self.resend_held(now);
        while self.phase == Phase::Connected && self.ids.in_flight() < 65_535 {
            match self.queue.pop(self.can_send(QoS::AtLeastOnce)) {
                Some(Queued::Publish(op, p)) => self.send_publish(now, op, p),
                Some(Queued::Request(op, r)) => self.send_request(now, op, r),
                None => break,
            }
        }
    }

    fn send_publish(&mut self, now: u64, op: OpId, mut publish: Publish) {
        if publish.qos as u8 > self.server.maximum_qos {
            let mut text = String::from("QoS not supported by the broker (Maximum QoS ");
            push_number(&mut text, self.server.maximum_qos as u64);
            text.push(')');
            return self.fail(op, OpError::NotSupportedByServer, 0, 0, text);
        }
        if publish.retain && !self.server.retain_available {
            return self.fail(
                op,
                OpError::NotSupportedByServer,
                0,
                0,
                "Retain not supported by the broker",
            );
        }
        if let Some(alias) = publish.properties.as_ref().and_then(|p| p.topic_alias) {
            if alias == 0 || alias > self.server.topic_alias_maximum {
                return self.fail(
                    op,
                    OpError::NotSupportedByServer,
                    0,
                    0,
                    "Topic alias out of the broker's range (Topic Alias Maximum)",
                );
            }
        }
        if publish.qos != QoS::AtMostOnce {
            match self.ids.allocate() {
                Some(id) => publish.pkid = id,
                None => return self.enqueue(op, Queued::Publish(op, publish)),
            }
        }
        let (qos, pkid) = (publish.qos, publish.pkid);
        if let Err(e) = self.write_publish(now, &mut publish) {
            self.ids.release(pkid);
            return self.fail(
                op,
                e,
                0,
                0,
                match e {
                    OpError::PacketTooLarge => {
                        "Message larger than the broker's Maximum Packet Size"
                    }
                    _ => "Topic alias unknown on this connection",
                },
            );
        }
        if qos == QoS::AtMostOnce {
            self.done(op, 0, 0, Vec::new(), None);
            self.check_finished(now);
            return;
        }
        let state = if qos == QoS::AtLeastOnce {
            OutState::Qos1Sent
        } else {
            OutState::Qos2Sent
        };
        self.outgoing.push(
            pkid,
            Outgoing {
                op,
                publish,
                state,
                held: false,
            },
        );
        self.was_empty = false;
    }

    /// Encodes a PUBLISH for this connection: applies topic aliases (v5) and the broker's size
    /// limit. The alias is undone afterwards, so `p` stays as the page gave it (and can be
    /// resent on a connection with other aliases) without being copied first.
    fn write_publish(&mut self, now: u64, p: &mut Publish) -> Result<(), OpError> {
        let had_properties = p.properties.is_some();
        let aliased = if self.opts.protocol.is_v5() {
            self.apply_outbound_alias(p)?
        } else {
            None
        };
        let packet = Packet::Publish(core::mem::replace(p, blank_publish()));
        let result = self
            .write_packet_within(now, &packet, self.server.maximum_packet_size)
            .map_err(|_| OpError::PacketTooLarge);
        if let Packet::Publish(back) = packet {
            *p = back;
        }
        if let Some(topic) = aliased {
            if !topic.is_empty() {
                p.topic = topic;
            }
            if !had_properties {
                p.properties = None;
            } else if let Some(pp) = p.properties.as_mut() {
                pp.topic_alias = None;
            }
        }
        result
    }

    /// Applies the outbound topic alias rules. `Some(topic)` when an automatic alias was put
    /// in `p` (the topic is the name it replaced, or empty when the name was kept), for
    /// `write_publish` to undo.
    fn apply_outbound_alias(&mut self, p: &mut Publish) -> Result<Option<String>, OpError> {
        let explicit = p.properties.as_ref().and_then(|pp| pp.topic_alias);
        if let Some(alias) = explicit {
            if p.topic.is_empty() {
                if !self.outbound_aliases.values().any(|a| *a == alias) {
                    return Err(OpError::NotSupportedByServer);
                }
            } else {
                self.outbound_aliases.retain(|_, a| *a != alias);
                self.outbound_aliases.insert(p.topic.clone(), alias);
            }
            return Ok(None);
        }
        if self.server.topic_alias_maximum == 0 || p.topic.is_empty() {
            return Ok(None);
        }
        // autoAssignTopicAlias implies reuse (as in MQTT.js); autoUseTopicAlias alone reuses
        // aliases the page set explicitly.
        if !(self.opts.auto_use_topic_alias || self.opts.auto_assign_topic_alias) {
            return Ok(None);
        }
        if let Some(&alias) = self.outbound_aliases.get(&p.topic) {
            p.properties
                .get_or_insert_with(codec::empty_publish_properties)
                .topic_alias = Some(alias);
            return Ok(Some(core::mem::take(&mut p.topic)));
        }
        if self.opts.auto_assign_topic_alias {
            let taken = |a: u16| self.outbound_aliases.values().any(|v| *v == a);
            if let Some(alias) = (1..=self.server.topic_alias_maximum).find(|a| !taken(*a)) {
                self.outbound_aliases.insert(p.topic.clone(), alias);
                p.properties
                    .get_or_insert_with(codec::empty_publish_properties)
                    .topic_alias = Some(alias);
                return Ok(Some(String::new()));
            }
        }
        Ok(None)
    }

    fn send_request(&mut self, now: u64, op: OpId, mut request: Request) {
        let Some(pkid) = self.ids.allocate() else {
            return self.enqueue(op, Queued::Request(op, request));
        };
        match &mut request {
            Packet::Subscribe(s) => s.pkid = pkid,
            Packet::Unsubscribe(u) => u.pkid = pkid,
            _ => {}
        }
        let max = self.server.maximum_packet_size;
        if self.write_packet_within(now, &request, max).is_err() {
            self.ids.release(pkid);
            return self.fail(
                op,
                OpError::PacketTooLarge,
                0,
                0,
                "Request larger than the broker's Maximum Packet Size",
            );
        }
        self.requests.insert(pkid, PendingAck { op, request });
        self.was_empty = false;
    }

    /// MQTT.js `removeOutgoingMessage(messageId)`.
    pub fn remove_outgoing(&mut self, now: u64, message_id: u16) -> bool {
        let Some(o) = self.outgoing.remove(message_id) else {
            return false;
        };
        self.held -= o.held as usize;
        self.ids.release(message_id);
        self.fail(o.op, OpError::Removed, 0, message_id, "Message removed");
        self.flush_queue(now);
        self.check_finished(now);
        true
    }

    /// v5 AUTH (enhanced authentication / re-authentication).
    pub fn send_auth(&mut self, now: u64, reason: u8, properties: Option<AuthProperties>) -> bool {
        if !self.opts.protocol.is_v5()
            || !matches!(self.phase, Phase::AwaitConnAck | Phase::Connected)
        {
            return false;
        }
        self.write_packet(now, &Packet::Auth(Auth { reason, properties }))
            .is_ok()
    }

    // ----- output helpers -------------------------------------------------------------------

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
        codec::encode_from_client_within(packet, self.opts.protocol, max_size, &mut self.tx)?;
        self.last_sent = now;
        if self.packet_events {
            self.events.push_back(Event::PacketSent {
                packet_type: packet_type(packet),
            });
        }
        Ok(())
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
            properties,
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
        if empty && !self.was_empty {
            self.events.push_back(Event::OutgoingEmpty);
        }
        self.was_empty = empty;
        if empty && self.ending.is_some() && self.phase == Phase::Connected {
            self.finish_end(now, true);
        }
    }
}

/// The wait after the client id was inferred taken for the `n`th time in a row: 5 s,
/// doubling, at most 5 minutes; a twin stays connected meanwhile instead of both flapping.
fn takeover_delay_ms(n: u32) -> u64 {
    (5_000u64 << n.saturating_sub(1).min(6)).min(300_000)
}

fn qos_of(q: u8) -> Option<QoS> {
    match q {
        0 => Some(QoS::AtMostOnce),
        1 => Some(QoS::AtLeastOnce),
        2 => Some(QoS::ExactlyOnce),
        _ => None,
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
