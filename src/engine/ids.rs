//! Packet identifiers: unique across every PUBLISH, SUBSCRIBE and UNSUBSCRIBE in flight
//! [MQTT-2.3.1-2], unlike rumqttc which only checks publishes.

use alloc::vec;
use alloc::vec::Vec;

/// A set of 16-bit ids in 8 KiB: constant-time, and no map code in the wasm.
pub struct IdSet {
    bits: Vec<u64>,
    count: usize,
}

impl IdSet {
    pub fn new() -> IdSet {
        IdSet {
            bits: vec![0; 1024],
            count: 0,
        }
    }

    pub fn contains(&self, id: u16) -> bool {
        self.bits[(id >> 6) as usize] & (1 << (id & 63)) != 0
    }

    /// False if it was already there.
    pub fn insert(&mut self, id: u16) -> bool {
        if self.contains(id) {
            return false;
        }
        self.bits[(id >> 6) as usize] |= 1 << (id & 63);
        self.count += 1;
        true
    }

    /// False if it was not there.
    pub fn remove(&mut self, id: u16) -> bool {
        if !self.contains(id) {
            return false;
        }
        self.bits[(id >> 6) as usize] &= !(1 << (id & 63));
        self.count -= 1;
        true
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn clear(&mut self) {
        if self.count > 0 {
            self.bits.iter_mut().for_each(|w| *w = 0);
            self.count = 0;
        }
    }
}

pub struct PacketIds {
    in_use: IdSet,
    next: u16,
}

impl PacketIds {
    pub fn new() -> PacketIds {
        PacketIds {
            in_use: IdSet::new(),
            next: 1,
        }
    }

    pub fn is_used(&self, id: u16) -> bool {
        self.in_use.contains(id)
    }

    /// The next free id after the last one handed out, or None when all 65,535 are in flight.
    pub fn allocate(&mut self) -> Option<u16> {
        if self.in_use.len() >= 65_535 {
            return None;
        }
        let mut id = self.next;
        loop {
            if id != 0 && !self.is_used(id) {
                self.mark(id);
                self.next = id.wrapping_add(1);
                return Some(id);
            }
            id = id.wrapping_add(1);
        }
    }

    /// Claims a specific id (a resumed session keeps its ids); false if already taken.
    pub fn mark(&mut self, id: u16) -> bool {
        id != 0 && self.in_use.insert(id)
    }

    pub fn release(&mut self, id: u16) {
        self.in_use.remove(id);
    }

    pub fn in_flight(&self) -> usize {
        self.in_use.len()
    }

    pub fn last_allocated(&self) -> u16 {
        self.next.wrapping_sub(1)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn ids_skip_zero_and_ids_in_use_when_wrapping() {
        let mut ids = PacketIds::new();
        let first = ids.allocate().unwrap();
        assert_eq!(first, 1);
        ids.next = 65_535;
        assert_eq!(ids.allocate(), Some(65_535));
        // wraps past 0 and past 1, which is still in flight
        assert_eq!(ids.allocate(), Some(2));
        ids.release(1);
        assert!(!ids.is_used(1));
        assert_eq!(ids.in_flight(), 2);
    }

    #[test]
    fn all_ids_in_flight_means_none_left() {
        let mut ids = PacketIds::new();
        for _ in 0..65_535 {
            assert!(ids.allocate().is_some());
        }
        assert_eq!(ids.allocate(), None);
        ids.release(4242);
        assert_eq!(ids.allocate(), Some(4242));
    }
}
