//! The broker's answers to what we sent, one handler per acknowledgement: PUBACK, PUBREC
//! and PUBCOMP complete or advance an outgoing PUBLISH, SUBACK and UNSUBACK a request.
//! A repeated acknowledgement changes nothing (the first one completed the operation).
//! The PUBREL for a QoS 2 message the broker sent us is not here: it is inbound.rs's.

use alloc::string::String;
use alloc::vec::Vec;

use super::{push_number, text_of, Event, OpError, OutState, PendingAck, Session, Subscription};
use crate::codec::{Ack, AckKind, Packet, SubAck, Subscribe, UnsubAck};

impl Session {
    pub(super) fn handle_puback(&mut self, now: u64, ack: Ack) {
        self.complete_publish(now, ack, OutState::Qos1Sent);
    }

    pub(super) fn handle_pubrec(&mut self, now: u64, ack: Ack) {
        let pkid = ack.pkid;
        match self.outgoing.get(pkid).map(|o| o.state) {
            // Refused: the message is done with, as after PUBACK.
            Some(OutState::Qos2Sent) if ack.reason >= 0x80 => {
                self.complete_publish(now, ack, OutState::Qos2Sent)
            }
            Some(OutState::Qos2Sent) => {
                self.acknowledged(pkid, OutState::Qos2Sent);
                if let Some(o) = self.outgoing.get_mut(pkid) {
                    o.state = OutState::Qos2Released;
                    let op = o.op;
                    // Before the PUBREL, as MQTT.js puts the PUBREL in its store first.
                    self.events.push_back(Event::InFlight {
                        op,
                        message_id: pkid,
                        released: true,
                        topic: String::new(),
                    });
                }
                self.write_ack(now, AckKind::PubRel, pkid, 0);
            }
            // A repeated PUBREC after we moved on: the PUBREL may have been lost.
            Some(OutState::Qos2Released) => self.write_ack(now, AckKind::PubRel, pkid, 0),
            // The broker still holds a QoS 2 message we no longer know (its PUBCOMP was lost
            // with the old session): release it so it can let the id go [MQTT-4.3.3].
            None if ack.reason < 0x80 => {
                let reason = if self.opts.protocol.is_v5() { 0x92 } else { 0 };
                self.write_ack(now, AckKind::PubRel, pkid, reason);
                self.ignored(ack);
            }
            _ => self.ignored(ack),
        }
    }

    pub(super) fn handle_pubcomp(&mut self, now: u64, ack: Ack) {
        self.complete_publish(now, ack, OutState::Qos2Released);
    }

    /// Whether `pkid` is in flight waiting for this acknowledgement. One acknowledged before
    /// we resent it on this connection was with the broker already: it needs no resend and
    /// leaves the held count.
    fn acknowledged(&mut self, pkid: u16, expected: OutState) -> bool {
        let Some(o) = self.outgoing.get_mut(pkid) else {
            return false;
        };
        if o.state != expected {
            return false;
        }
        if o.awaiting_resend {
            o.awaiting_resend = false;
            self.held_count -= 1;
        }
        true
    }

    /// The last acknowledgement of a PUBLISH (`expected` names the state it answers): its
    /// operation completes, or fails with the broker's reason code, and its slot in the
    /// window frees. Ignored when the PUBLISH is not waiting for it.
    fn complete_publish(&mut self, now: u64, ack: Ack, expected: OutState) {
        let pkid = ack.pkid;
        if !self.acknowledged(pkid, expected) {
            return self.ignored(ack);
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

    /// Brokers resend acknowledgements (after a resume, on their own timers); the
    /// operation was completed by the first one, so a repeat is said in the page's debug
    /// log only.
    fn ignored(&mut self, ack: Ack) {
        let name = match ack.kind {
            AckKind::PubAck => "PUBACK",
            AckKind::PubRec => "PUBREC",
            AckKind::PubRel => "PUBREL",
            AckKind::PubComp => "PUBCOMP",
        };
        let mut text = text_of(&["ignored ", name, " for packet id "]);
        push_number(&mut text, ack.pkid as u64);
        text.push_str(": not in flight (a repeated acknowledgement)");
        self.events.push_back(Event::Debug { text });
    }

    pub(super) fn handle_suback(&mut self, now: u64, ack: SubAck) {
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

    pub(super) fn handle_unsuback(&mut self, now: u64, ack: UnsubAck) {
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
        // Also forgotten at the call: this covers a SUBACK granted after the page unsubscribed.
        if let Packet::Unsubscribe(unsub) = p.request {
            self.forget_subscriptions(&unsub.filters);
        }
        self.done(p.op, ack.pkid, 0, ack.codes, ack.properties);
        self.flush_queue(now);
        self.check_finished(now);
    }
}
