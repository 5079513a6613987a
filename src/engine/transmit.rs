//! Bytes waiting for the socket: packets encoded one after the other, with large PUBLISH
//! payloads left in the buffers they already live in and spliced in at their place, so the
//! driver copies each payload once, into what it sends, instead of the core first copying it
//! into the packet (issue #23's copy budget). A payload the driver keeps
//! (`external.rs`) is named where it goes instead, for the driver to copy from its own memory.

use alloc::vec::Vec;
use bytes::Bytes;

use super::external::ExternalPayload;

/// From this size a payload is spliced rather than copied into the packet: below it the
/// extra piece costs the driver more than the copy it saves.
pub const SPLICE_MIN: usize = 1024;

enum Spliced {
    Shared(Bytes),
    /// Kept by the driver: the claim keeps its handle from being released before it is sent.
    External(ExternalPayload),
}

/// One piece of the bytes waiting for the socket.
#[derive(Debug, PartialEq)]
pub enum Piece<'a> {
    Bytes(&'a [u8]),
    /// The payload the driver keeps under this handle, all of it.
    External(&'a ExternalPayload),
}

#[derive(Default)]
pub struct Transmit {
    /// The encoded packets, large payloads left out.
    encoded: Vec<u8>,
    /// Each left-out payload with the offset in `encoded` it goes before.
    spliced: Vec<(usize, Spliced)>,
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
        self.spliced
            .push((self.encoded.len(), Spliced::Shared(payload)));
    }

    /// The payload the driver keeps under `payload`'s handle follows what was encoded so far.
    pub fn splice_external(&mut self, payload: ExternalPayload) {
        self.spliced_len += payload.len();
        self.spliced
            .push((self.encoded.len(), Spliced::External(payload)));
    }

    /// Piece `i` of the bytes in order: encoded bytes up to the first spliced payload, that
    /// payload, the encoded bytes up to the next one, and so on (`2 × spliced + 1` pieces,
    /// some maybe empty); empty past the end.
    pub fn piece(&self, i: usize) -> Piece<'_> {
        let k = i / 2;
        if i % 2 == 1 {
            return match self.spliced.get(k) {
                Some((_, Spliced::Shared(b))) => Piece::Bytes(b),
                Some((_, Spliced::External(e))) => Piece::External(e),
                None => Piece::Bytes(&[]),
            };
        }
        let start = match k.checked_sub(1) {
            None => 0,
            Some(before) => match self.spliced.get(before) {
                Some(s) => s.0,
                None => return Piece::Bytes(&[]),
            },
        };
        let end = self.spliced.get(k).map_or(self.encoded.len(), |s| s.0);
        // Offsets only grow, so `start <= end <= encoded.len()`.
        Piece::Bytes(&self.encoded[start..end])
    }

    /// All the pieces in one buffer, for drivers that want one; `external` appends the
    /// payload the driver keeps under a handle.
    pub fn to_vec(&self, mut external: impl FnMut(u32, &mut Vec<u8>)) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.len());
        for i in 0..=2 * self.spliced.len() {
            match self.piece(i) {
                Piece::Bytes(b) => all.extend_from_slice(b),
                Piece::External(e) => external(e.handle(), &mut all),
            }
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
