//! Bytes waiting for the socket: packets encoded one after the other, with large PUBLISH
//! payloads left in the buffers they already live in and spliced in at their place, so the
//! driver copies each payload once, into what it sends, instead of the core first copying it
//! into the packet (issue #23's copy budget).

use alloc::vec::Vec;
use bytes::Bytes;

/// From this size a payload is spliced rather than copied into the packet: below it the
/// extra piece costs the driver more than the copy it saves.
pub const SPLICE_MIN: usize = 1024;

#[derive(Default)]
pub struct Transmit {
    /// The encoded packets, large payloads left out.
    encoded: Vec<u8>,
    /// Each left-out payload with the offset in `encoded` it goes before.
    spliced: Vec<(usize, Bytes)>,
    spliced_len: usize,
}

impl Transmit {
    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty() && self.spliced.is_empty()
    }

    /// Bytes in all.
    pub fn len(&self) -> usize {
        self.encoded.len() + self.spliced_len
    }

    /// Where the next packet is encoded.
    pub fn encoded(&mut self) -> &mut Vec<u8> {
        &mut self.encoded
    }

    /// `payload` follows what was encoded so far.
    pub fn splice(&mut self, payload: Bytes) {
        self.spliced_len += payload.len();
        self.spliced.push((self.encoded.len(), payload));
    }

    /// Piece `i` of the bytes in order: encoded bytes up to the first spliced payload, that
    /// payload, the encoded bytes up to the next one, and so on (`2 × spliced + 1` pieces,
    /// some maybe empty); empty past the end.
    pub fn piece(&self, i: usize) -> &[u8] {
        let k = i / 2;
        if i % 2 == 1 {
            return self.spliced.get(k).map_or(&[], |s| &s.1);
        }
        let start = match k.checked_sub(1) {
            None => 0,
            Some(before) => match self.spliced.get(before) {
                Some(s) => s.0,
                None => return &[],
            },
        };
        let end = self.spliced.get(k).map_or(self.encoded.len(), |s| s.0);
        // Offsets only grow, so `start <= end <= encoded.len()`.
        &self.encoded[start..end]
    }

    /// All the pieces in one buffer, for drivers that want one.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.len());
        for i in 0..=2 * self.spliced.len() {
            all.extend_from_slice(self.piece(i));
        }
        all
    }

    /// The bytes were taken.
    pub fn clear(&mut self) {
        self.encoded.clear();
        self.spliced.clear();
        self.spliced_len = 0;
        // Keep the buffer for the next flush, but not a large one a single big packet left.
        if self.encoded.capacity() > 1 << 20 {
            self.encoded = Vec::new();
        }
    }
}
