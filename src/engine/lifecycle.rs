//! The life of the client: starting an attempt (credentials, transport, CONNECT), the
//! CONNACK's verdict, losing a connection, reconnecting with the policy's delay, inferring
//! that another client took the client id, pausing while the app is hidden or offline, and
//! `end`.

use alloc::string::String;
use bytes::Bytes;

use super::queue::Queued;
use super::timers::Timer;
use super::{
    is_bad_credentials, push_number, text_of, Credentials, ErrorKind, Event, OpError, Phase,
    Session,
};
use crate::codec::{ConnAck, Connect, Disconnect, DisconnectProperties, Packet, Will};

impl Session {
    /// Starts connecting (MQTT.js does this inside `mqtt.connect` unless `manualConnect`).
    pub fn connect(&mut self, now: u64) {
        if matches!(self.phase, Phase::Idle) {
            self.failures = 0;
            self.start_attempt(now);
        }
    }

    /// MQTT.js `client.reconnect()`: also revives an ended client.
    pub fn reconnect(&mut self, now: u64) {
        match self.phase {
            Phase::Ended => {
                self.end_reason = None;
                self.phase = Phase::Idle;
            }
            Phase::Connected { .. }
            | Phase::Opening
            | Phase::AwaitConnAck
            | Phase::AwaitCredentials => {
                self.events.push_back(Event::CloseTransport);
                self.connection_lost(now, false);
                if matches!(self.phase, Phase::Idle | Phase::Ended) {
                    return;
                }
            }
            _ => {}
        }
        self.failures = 0;
        self.events.push_back(Event::Reconnecting);
        self.start_attempt(now);
    }

    pub(super) fn start_attempt(&mut self, now: u64) {
        self.timers.stop(Timer::Reconnect);
        if self.hidden || self.offline {
            self.phase = Phase::Paused;
            return;
        }
        self.attempts += 1;
        self.timers.set(
            Timer::Connect,
            now.saturating_add(self.opts.connect_timeout_ms),
        );
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
        if !matches!(self.phase, Phase::AwaitCredentials) {
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
        if !matches!(self.phase, Phase::AwaitCredentials) {
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
        if !matches!(self.phase, Phase::Opening) {
            return;
        }
        self.open_link();
        self.tx.clear();
        self.phase = Phase::AwaitConnAck;
        let packet = Packet::Connect(Box::new(self.connect_packet()));
        let written = self.write_packet(now, &packet);
        if let Packet::Connect(c) = packet {
            self.return_connect_properties(*c);
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

    pub(super) fn handle_connack(&mut self, now: u64, ack: ConnAck) {
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
        self.phase = Phase::Connected { since: now };
        self.connection_first_op = self.next_op;
        self.timers.stop(Timer::Connect);
        self.failures = 0;
        self.attempts = 0;
        self.credentials_refreshed = false;
        let mut keepalive_ms = self.opts.keepalive_s as u64 * 1000;
        if let Some(p) = &ack.properties {
            self.link.limits.apply(p);
            if let Some(v) = p.server_keep_alive {
                keepalive_ms = v as u64 * 1000;
            }
            if let Some(id) = &p.assigned_client_identifier {
                self.opts.client_id = id.clone();
            }
        }
        self.start_keepalive(now, keepalive_ms);
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
            // Tokens expire: ask the provider once more before reporting the refusal, as a new
            // attempt the page hears of ('reconnect'), so its handlers can renew them.
            self.credentials_refreshed = true;
            self.events.push_back(Event::Closed {
                was_connected: false,
            });
            self.drop_link();
            self.events.push_back(Event::Reconnecting);
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
                OpError::ConnectionClosed,
                "Connection closed: the broker refused the connection",
            );
        }
    }

    /// The socket closed or failed to open; `code`/`reason` are informational.
    pub fn transport_closed(&mut self, now: u64) {
        match self.phase {
            Phase::Opening | Phase::AwaitConnAck | Phase::Connected { .. } => {
                // The socket is gone: nothing queued for it can be delivered any more.
                self.tx.clear();
                self.connection_lost(now, true);
            }
            _ => {}
        }
    }

    /// A v5 DISCONNECT from the broker.
    pub(super) fn handle_server_disconnect(&mut self, now: u64, d: Disconnect) {
        let reason = d.reason;
        self.events.push_back(Event::ServerDisconnect {
            reason,
            properties: d.properties,
        });
        self.events.push_back(Event::CloseTransport);
        if reason == 0x8E {
            self.drop_link();
            self.events.push_back(Event::Closed {
                was_connected: true,
            });
            self.client_id_taken(now, true);
            return;
        }
        // A DISCONNECT with a reason is an explanation: never counted as a takeover.
        self.connection_lost(now, false);
    }

    /// Everything after a connection (or an attempt) ends, whoever ended it. `plain_close`:
    /// the broker closed the socket without a word (no DISCONNECT), which is how a broker
    /// before MQTT 5 drops a connection whose client id another one took.
    pub(super) fn connection_lost(&mut self, now: u64, plain_close: bool) {
        let connected_since = match self.phase {
            Phase::Connected { since } => Some(since),
            _ => None,
        };
        // The broker had PUBLISHes or requests of ours unanswered: the close may be its answer
        // to them (an in-flight or size limit, an ACL), no sign of a second client.
        let explained = self.outgoing.len() > self.held_count || self.requests.len() > 0;
        self.events.push_back(Event::Closed {
            was_connected: connected_since.is_some(),
        });
        self.drop_link();
        // SUBSCRIBE/UNSUBSCRIBE are idempotent: send them again on the next connection.
        for (pkid, p) in self.requests.take_all().into_iter().rev() {
            self.ids.release(pkid);
            if p.op != 0 {
                self.queue.push_front(Queued::Request(p.op, p.request));
            }
        }
        if self.end_reason.is_some() {
            self.finish_end(now, true);
            return;
        }
        // Closes the app or the network caused (hidden, offline) say nothing about the client id.
        if let Some(since) = connected_since {
            if plain_close && !self.hidden && !self.offline {
                let quick = now.saturating_sub(since) <= self.opts.same_client_id_window_ms;
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
        }
        self.schedule_reconnect(now);
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
        if let Some(at) = self.timers.get(Timer::Reconnect) {
            self.timers
                .set(Timer::Reconnect, at.max(now.saturating_add(delay)));
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
        self.timers.set(
            Timer::Reconnect,
            now.saturating_add(self.policy.delay_ms(self.failures)),
        );
    }

    /// Stops reconnecting and fails every unfinished operation, so each callback fires once.
    fn give_up(&mut self, error: OpError, text: &str) {
        self.drop_link();
        self.fail_everything(error, text, false);
    }

    /// `keep_session`: QoS 1/2 PUBLISHes and PUBRELs, in flight or queued, stay.
    fn fail_everything(&mut self, error: OpError, text: &str, keep_session: bool) {
        if !keep_session {
            self.held_count = 0;
            for (_, o) in self.outgoing.take_all() {
                let Some(o) = o else { continue };
                self.ids.release(o.publish.pkid);
                self.fail(o.op, error, 0, o.publish.pkid, text);
            }
        }
        for (pkid, p) in self.requests.take_all() {
            self.ids.release(pkid);
            // op 0 is an internal resubscription: the page has no callback waiting for it.
            if p.op != 0 {
                self.fail(p.op, error, 0, 0, text);
            }
        }
        // With the window closed the queue yields everything but QoS 1/2 PUBLISHes.
        while let Some(q) = self.queue.pop(!keep_session) {
            if let Queued::Publish(_, p, _) = &q {
                self.ids.release(p.pkid);
            }
            self.fail(q.op(), error, 0, 0, text);
        }
    }

    /// App hidden (`true`) or shown again (`false`).
    pub fn set_suspended(&mut self, now: u64, hidden: bool) {
        self.hidden = hidden;
        self.availability_changed(now);
        if !hidden {
            self.ping_after_resume(now);
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
                self.timers.stop(Timer::Reconnect);
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
    /// `reason`: the reason code of the DISCONNECT (v5).
    pub fn end(&mut self, now: u64, force: bool, reason: u8) {
        self.end_with(now, force, reason, None, false);
    }

    /// `end`, and `keep_session`: the QoS 1/2 PUBLISHes and PUBRELs still unacknowledged
    /// (in flight or queued) stay, without a verdict, for a later `reconnect` to resend
    /// (MQTT.js keeps them in its outgoing store unless `clean` with reconnecting off).
    pub fn end_keeping_session(&mut self, now: u64, force: bool, reason: u8, keep_session: bool) {
        self.end_with(now, force, reason, None, keep_session);
    }

    /// `end_keeping_session` whose DISCONNECT also carries `properties` (v5
    /// `end(force, {properties})`).
    pub fn end_with(
        &mut self,
        now: u64,
        force: bool,
        reason: u8,
        properties: Option<DisconnectProperties>,
        keep_session: bool,
    ) {
        self.end_properties = properties;
        self.keep_session = keep_session;
        if matches!(self.phase, Phase::Ended) {
            self.events.push_back(Event::Ended);
            return;
        }
        self.end_reason = Some(reason);
        self.timers.stop(Timer::Reconnect);
        if force || !self.is_connected() || self.pending_operations() == 0 {
            self.finish_end(now, !force);
        }
    }

    /// `graceful`: say DISCONNECT before closing. A forced end only drops the connection, as
    /// MQTT.js' `end(true)` destroys its stream: the broker then publishes the Will.
    pub(super) fn finish_end(&mut self, now: u64, graceful: bool) {
        let reason = self.end_reason.unwrap_or(0);
        let properties = self.end_properties.take();
        let had_transport = matches!(
            self.phase,
            Phase::Opening | Phase::AwaitConnAck | Phase::Connected { .. }
        );
        if self.is_connected() && graceful {
            let properties = properties.map(Box::new);
            let _ = self.write_packet(now, &Packet::Disconnect(Disconnect { reason, properties }));
        } else if !graceful {
            // What the driver has not taken yet stays unsent, as what MQTT.js wrote in the turn
            // of its `end(true)` (corked until the next tick) dies with its stream: a message
            // kept for `reconnect` then reaches the broker once, on the next connection, ahead
            // of new ones; one not kept fails with nothing of it sent.
            self.tx.clear();
        }
        self.drop_link();
        if had_transport {
            self.events.push_back(Event::CloseTransport);
            self.events.push_back(Event::Closed {
                was_connected: false,
            });
        }
        self.fail_everything(
            OpError::ConnectionClosed,
            "Connection closed: the client ended",
            self.keep_session,
        );
        self.phase = Phase::Ended;
        self.events.push_back(Event::Ended);
    }
}

/// The wait after the client id was inferred taken for the `n`th time in a row: 5 s,
/// doubling, at most 5 minutes; a twin stays connected meanwhile instead of both flapping.
fn takeover_delay_ms(n: u32) -> u64 {
    (5_000u64 << n.saturating_sub(1).min(6)).min(300_000)
}
