//! When the engine must be woken: the timer table behind `poll_timeout`/`handle_timeout`
//! (connect deadline, reconnect, ping, ping timeout), and keepalive — when to send PINGREQ
//! and when an unanswered one means the link is dead.

use alloc::string::String;

use super::{ErrorKind, Event, Session};
use crate::codec::Packet;

/// Listed in the order `handle_timeout` serves them when several are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// No CONNACK yet (set from the start of an attempt, credentials included).
    Connect,
    /// The next attempt after a failed or lost connection.
    Reconnect,
    /// The PINGREQ sent went unanswered.
    PingTimeout,
    /// Time to send a PINGREQ.
    Ping,
}

const TIMERS: [Timer; 4] = [
    Timer::Connect,
    Timer::Reconnect,
    Timer::PingTimeout,
    Timer::Ping,
];

/// A deadline per timer (ms, the driver's clock), `None` when stopped.
pub(super) struct TimerTable {
    deadlines: [Option<u64>; 4],
}

impl TimerTable {
    pub(super) fn new() -> TimerTable {
        TimerTable {
            deadlines: [None; 4],
        }
    }

    pub(super) fn set(&mut self, timer: Timer, at: u64) {
        self.deadlines[timer as usize] = Some(at);
    }

    pub(super) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    pub(super) fn get(&self, timer: Timer) -> Option<u64> {
        self.deadlines[timer as usize]
    }

    /// The earliest deadline.
    fn next(&self) -> Option<u64> {
        let mut next: Option<u64> = None;
        // By reference: `into_iter` copied the array at every call (once per socket message).
        for &at in self.deadlines.iter().flatten() {
            if next.is_none_or(|n| at < n) {
                next = Some(at);
            }
        }
        next
    }

    /// The first timer due at `now`.
    fn expired(&self, now: u64) -> Option<Timer> {
        TIMERS
            .into_iter()
            .find(|t| self.get(*t).is_some_and(|at| now >= at))
    }
}

/// Keepalive bookkeeping of one connection (it lives in the `Link`).
pub(super) struct Keepalive {
    /// 0 until CONNACK, and when keepalive is off.
    interval_ms: u64,
    last_sent: u64,
    /// When the broker last sent anything: a link that carries only our PUBLISHes may be dead.
    last_received: u64,
    last_ping: u64,
    /// A PINGREQ awaiting an answer (any packet answers it).
    ping_sent_at: Option<u64>,
}

impl Keepalive {
    pub(super) fn new() -> Keepalive {
        Keepalive {
            interval_ms: 0,
            last_sent: 0,
            last_received: 0,
            last_ping: 0,
            ping_sent_at: None,
        }
    }

    /// CONNACK arrived: the interval is ours or the broker's Server Keep Alive.
    pub(super) fn start(&mut self, now: u64, interval_ms: u64) {
        self.interval_ms = interval_ms;
        self.last_sent = now;
        self.last_received = now;
        self.last_ping = now;
    }

    /// On and no PINGREQ awaiting its answer.
    fn idle(&self) -> bool {
        self.interval_ms > 0 && self.ping_sent_at.is_none()
    }

    /// The keepalive timer to arm: PINGREQ due, or the one sent unanswered.
    fn deadline(&self, reschedule_pings: bool) -> Option<(Timer, u64)> {
        if self.interval_ms == 0 {
            return None;
        }
        Some(match self.ping_sent_at {
            // Half a keepalive for the PINGRESP: a dead link is found within 1.5 keepalives
            // of the broker's last packet, as MQTT.js finds it.
            Some(sent) => (
                Timer::PingTimeout,
                sent.saturating_add(self.interval_ms.div_ceil(2)),
            ),
            None => (Timer::Ping, self.next_ping_at(reschedule_pings)),
        })
    }

    /// A keepalive after we last sent anything (the broker needs a packet that often
    /// [MQTT-3.1.2-23]) or after it last sent anything, whichever comes first: a page that
    /// publishes all the time still finds out when nothing comes back. Without
    /// `reschedule_pings`, every keepalive, as MQTT.js.
    fn next_ping_at(&self, reschedule_pings: bool) -> u64 {
        let base = if reschedule_pings {
            self.last_sent.min(self.last_received).max(self.last_ping)
        } else {
            self.last_ping
        };
        base.saturating_add(self.interval_ms)
    }
}

impl Session {
    /// When `handle_timeout` must be called next (ms, the same clock as `now`).
    pub fn poll_timeout(&self) -> Option<u64> {
        self.timers.next()
    }

    pub fn handle_timeout(&mut self, now: u64) {
        let Some(timer) = self.timers.expired(now) else {
            return;
        };
        self.timers.stop(timer);
        match timer {
            Timer::Connect => {
                self.events.push_back(Event::CloseTransport);
                self.error(
                    ErrorKind::ConnectTimeout,
                    0,
                    String::from("Connect timeout: no CONNACK within connectTimeout"),
                );
                self.connection_lost(now, false);
            }
            Timer::Reconnect => {
                self.events.push_back(Event::Reconnecting);
                self.start_attempt(now);
            }
            Timer::PingTimeout => {
                self.events.push_back(Event::CloseTransport);
                self.error(
                    ErrorKind::KeepaliveTimeout,
                    0,
                    String::from("Keepalive timeout: no answer from the broker to PINGREQ"),
                );
                self.connection_lost(now, false);
            }
            Timer::Ping => self.send_ping(now),
        }
    }

    /// Sets the Ping or PingTimeout timer from the link's keepalive state; stops both
    /// without a link or with keepalive off.
    fn arm_keepalive(&mut self) {
        let reschedule = self.opts.reschedule_pings;
        let due = self.link.keepalive.deadline(reschedule);
        self.timers.stop(Timer::Ping);
        self.timers.stop(Timer::PingTimeout);
        if let Some((timer, at)) = due {
            self.timers.set(timer, at);
        }
    }

    /// CONNACK accepted: keepalive runs from `now`.
    pub(super) fn start_keepalive(&mut self, now: u64, interval_ms: u64) {
        self.link.keepalive.start(now, interval_ms);
        self.arm_keepalive();
    }

    /// A packet went out.
    pub(super) fn keepalive_sent(&mut self, now: u64) {
        self.link.keepalive.last_sent = now;
        self.arm_keepalive();
    }

    /// A packet came in: a sign of life, which answers a PINGREQ too.
    pub(super) fn keepalive_received(&mut self, now: u64) {
        self.link.keepalive.ping_sent_at = None;
        self.link.keepalive.last_received = now;
        self.arm_keepalive();
    }

    /// The app came back to the foreground: timers are throttled in the background, so prove
    /// the link is alive now, not a keepalive later.
    pub(super) fn ping_after_resume(&mut self, now: u64) {
        if self.is_connected() && self.link.keepalive.idle() {
            self.send_ping(now);
        }
    }

    fn send_ping(&mut self, now: u64) {
        if self.write_packet(now, &Packet::PingReq).is_ok() {
            self.link.keepalive.ping_sent_at = Some(now);
            self.link.keepalive.last_ping = now;
            self.arm_keepalive();
        }
    }
}
