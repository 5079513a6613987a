//! Picking the session up after CONNACK: in-flight PUBLISHes and PUBRELs resent in their
//! original order (DUP set only when the broker kept the session), those beyond the window
//! held until acknowledgements free slots, and subscriptions replayed when the broker lost
//! the session.

use alloc::string::String;
use alloc::vec::Vec;

use super::{blank_publish, OpError, OutState, PendingAck, Session};
use crate::codec::{AckKind, Packet, Subscribe, SubscribeFilter, SubscribeProperties};

impl Session {
    /// Drops `filters` from the subscriptions replayed when the broker loses the session.
    pub(super) fn forget_subscriptions(&mut self, filters: &[String]) {
        for f in filters {
            if let Some(i) = self
                .subscriptions
                .iter()
                .position(|s| s.filter.filter == *f)
            {
                self.subscriptions.remove(i);
            }
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
    pub(super) fn resume_session(&mut self, now: u64, session_present: bool) {
        if !session_present {
            self.incoming_qos2.clear();
        }
        let limit = self.window();
        let mut unacked = 0;
        self.held_count = 0;
        for pkid in self.outgoing.ids() {
            let Some(o) = self.outgoing.get_mut(pkid) else {
                continue;
            };
            o.awaiting_resend = false;
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
                        o.awaiting_resend = true;
                        self.held_count += 1;
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
    pub(super) fn resend_held(&mut self, now: u64) {
        while self.held_count > 0
            && self.is_connected()
            && self.outgoing.len() - self.held_count < self.window()
        {
            let Some(pkid) = self.outgoing.first_id(|o| o.awaiting_resend) else {
                break;
            };
            if let Some(o) = self.outgoing.get_mut(pkid) {
                o.awaiting_resend = false;
            }
            self.held_count -= 1;
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
        // The claim is shared (a count), not lent: the entry cannot stay borrowed meanwhile.
        let external = o.external.clone();
        let sent = self.write_publish(now, &mut p, external.as_ref()).is_ok();
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
    pub(super) fn resubscribe(&mut self, now: u64) {
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
                .write_packet_within(now, &request, self.limits().maximum_packet_size)
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
}
