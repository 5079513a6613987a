//! MQTT 3.1 / 3.1.1 / 5.0 packet codec. The packet model (QoS, v5 property structs) is
//! mqttbytes 0.6's; the wire format is read and written here, because mqttbytes' readers
//! cannot report trailing bytes, reject unknown reason codes, lack AUTH and get the cases in
//! tests/codec_defects.rs wrong (see docs/decisions.md, "Codec").

mod decode;
mod encode;
pub mod packet;
mod properties;
#[cfg(test)]
mod split_tests;
pub mod validate;
pub(crate) mod wire;

pub use packet::*;
pub use properties::{body as properties_body, Section as PropertySection};

use alloc::vec::Vec;
use bytes::{Buf, Bytes};
use core::mem::MaybeUninit;
use wire::Sink;

/// `Bytes` owning `v`, without a copy. Every `Bytes` the crate makes from a buffer comes
/// from here: `Bytes::from(Vec)` brings two more kinds of shared buffer into the wasm (about
/// 1 KB of their reference counting), where one kind, owner-based, serves every use.
pub fn bytes_of(v: Vec<u8>) -> Bytes {
    Bytes::from_owner(v)
}

/// Why bytes could not be decoded or a packet could not be encoded.
///
/// Messages are static so release builds carry no formatting machinery; the glue adds
/// context (topic, sizes) where the user needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecError {
    /// Remaining length longer than 4 bytes or above 268,435,455.
    MalformedRemainingLength,
    /// Remaining length not in its shortest form.
    NonMinimalRemainingLength,
    /// A whole packet (fixed header included) above the Maximum Packet Size in force.
    PacketTooLarge,
    InvalidPacketType,
    /// Fixed-header flags the spec reserves (PUBREL/SUBSCRIBE/UNSUBSCRIBE must be 0010, others 0000; QoS 3).
    InvalidFlags,
    /// The packet's contents do not parse; the str says which part.
    Malformed(&'static str),
    /// Bytes left over after the packet's last field.
    TrailingBytes,
    InvalidUtf8,
    /// U+0000 inside a UTF-8 string.
    NullCharacter,
    /// A string or binary field longer than 65,535 bytes.
    FieldTooLong,
    InvalidTopicName(&'static str),
    InvalidTopicFilter(&'static str),
    InvalidQoS,
    /// SUBSCRIBE or UNSUBSCRIBE with no filter.
    NoTopicFilters,
    /// Packet identifier 0 where one is required.
    PacketIdZero,
    /// A packet the protocol version in use does not have (AUTH before v5) or a wrong CONNECT.
    ProtocolError(&'static str),
    /// CONNECT, SUBSCRIBE or UNSUBSCRIBE (the type is given) read by
    /// `Decoder::next_from_broker`, which refuses them without reading their contents.
    NotFromBroker(u8),
}

impl CodecError {
    /// A fixed English description; never includes packet contents (they may be secrets).
    pub fn message(&self) -> &'static str {
        match self {
            CodecError::MalformedRemainingLength => "malformed remaining length",
            CodecError::NonMinimalRemainingLength => {
                "variable byte integer not in its shortest form"
            }
            CodecError::PacketTooLarge => "packet too large",
            CodecError::InvalidPacketType => "invalid packet type",
            CodecError::InvalidFlags => "invalid fixed header flags",
            CodecError::Malformed(what) => what,
            CodecError::TrailingBytes => "bytes after the end of the packet",
            CodecError::InvalidUtf8 => "invalid UTF-8 string",
            CodecError::NullCharacter => "U+0000 in a string",
            CodecError::FieldTooLong => "string or binary field longer than 65535 bytes",
            CodecError::InvalidTopicName(what) => what,
            CodecError::InvalidTopicFilter(what) => what,
            CodecError::InvalidQoS => "invalid QoS",
            CodecError::NoTopicFilters => "no topic filter",
            CodecError::PacketIdZero => "packet identifier 0",
            CodecError::ProtocolError(what) => what,
            CodecError::NotFromBroker(_) => "a packet a broker must not send to a client",
        }
    }

    /// The v5 DISCONNECT reason code for this error: 0x95 Packet too large, 0x82 Protocol
    /// Error for well-formed packets that break a protocol rule, 0x81 Malformed Packet for
    /// the rest.
    pub fn reason_code(&self) -> u8 {
        match self {
            CodecError::PacketTooLarge => 0x95,
            CodecError::ProtocolError(_)
            | CodecError::NotFromBroker(_)
            | CodecError::PacketIdZero
            | CodecError::NoTopicFilters
            | CodecError::InvalidTopicName(_)
            | CodecError::InvalidTopicFilter(_) => 0x82,
            _ => 0x81,
        }
    }
}

/// Largest whole packet: 1 type byte, 4 length bytes, 268,435,455 body bytes.
const MAX_FRAME: usize = 1 + 4 + wire::VARINT_MAX as usize;

/// Most a frame's header makes the decoder reserve before its bytes arrive (larger frames
/// grow as they come).
const RESERVE_AHEAD_MAX: usize = 16 << 20;

/// The fixed header of a buffered frame: first byte, header length, body length.
struct Frame {
    byte1: u8,
    header_len: usize,
    body_len: usize,
}

/// Parses the fixed header at the start of `buf`; `Ok(None)` until it is complete.
/// Rejects an oversized frame as soon as its length is known, before buffering its body.
fn frame(buf: &[u8], max_packet_size: usize) -> Result<Option<Frame>, CodecError> {
    let Some(&byte1) = buf.first() else {
        return Ok(None);
    };
    // Reject a reserved type at once rather than after buffering what follows.
    decode::check_flags(byte1 >> 4, byte1 & 0x0f)?;
    let Some((body_len, len_len)) = wire::varint(&buf[1..])? else {
        return Ok(None);
    };
    let header_len = 1 + len_len;
    let body_len = body_len as usize;
    let total = header_len
        .checked_add(body_len)
        .ok_or(CodecError::PacketTooLarge)?;
    if total > max_packet_size.min(MAX_FRAME) {
        return Err(CodecError::PacketTooLarge);
    }
    Ok(Some(Frame {
        byte1,
        header_len,
        body_len,
    }))
}

/// Incremental stream decoder: WebSocket messages may split a packet or carry several.
pub struct Decoder {
    /// Received bytes not yet returned as packets, which are cut from it without a copy.
    /// `Bytes` rather than `BytesMut`, which was about 1.5 KB of wasm.
    buf: Bytes,
    /// Where bytes accumulate while the frame at the front is incomplete (then `buf` is
    /// empty): a `Vec` grows in amortised linear time, so a large packet arriving in many
    /// pieces is not copied once per piece. It becomes `buf` once the frame is whole.
    partial: Vec<u8>,
    version: ProtocolVersion,
    max_packet_size: usize,
    /// Set by the first error: the stream cannot be resynchronised, so every later call
    /// reports it again until `clear()`.
    failed: Option<CodecError>,
    /// The remaining length (mqtt-packet's `length`) and the packet type of the frame read
    /// last, also of one refused.
    last_body_len: usize,
    last_type: u8,
}

impl Decoder {
    /// `max_packet_size` bounds a whole packet, fixed header included.
    pub fn new(version: ProtocolVersion, max_packet_size: usize) -> Decoder {
        Decoder {
            buf: Bytes::new(),
            partial: Vec::new(),
            version,
            max_packet_size,
            failed: None,
            last_body_len: 0,
            last_type: 0,
        }
    }

    pub fn set_version(&mut self, v: ProtocolVersion) {
        self.version = v;
    }

    /// The largest packet accepted, fixed header included.
    pub fn max_packet_size(&self) -> usize {
        self.max_packet_size
    }

    pub fn set_max_packet_size(&mut self, max: usize) {
        self.max_packet_size = max;
    }

    /// Appends bytes from the transport. Ignored after an error: nothing more will be read.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.append(bytes);
        }
    }

    /// `push` for a buffer the caller gives away: adopted as is when nothing is buffered
    /// (the usual case: one WebSocket message holds whole packets), so the packets cut from
    /// it share its memory instead of being copied.
    pub fn push_owned(&mut self, bytes: Vec<u8>) {
        if self.failed.is_some() {
            return;
        }
        if self.buffered() == 0 {
            self.buf = bytes_of(bytes);
        } else {
            self.append(&bytes);
        }
    }

    /// Moves what is left of `buf` (a packet's beginning, the rest of it still to come) to
    /// `partial` once, then grows `partial`.
    fn append(&mut self, bytes: &[u8]) {
        if self.partial.is_empty() {
            // Room for the whole frame at once when its header is here: the pieces still to
            // come are then copied once, not again at every doubling of the buffer. Bounded,
            // so a length the broker never sends costs no more than that up front.
            let start: &[u8] = if self.buf.is_empty() {
                bytes
            } else {
                &self.buf
            };
            if let Ok(Some(f)) = frame(start, self.max_packet_size) {
                self.partial
                    .reserve((f.header_len + f.body_len).min(RESERVE_AHEAD_MAX));
            }
            self.partial.extend_from_slice(&self.buf);
            self.buf = Bytes::new();
        }
        self.partial.extend_from_slice(bytes);
    }

    /// Room for the next `len` bytes of the stream, for a driver that copies each transport
    /// message itself (the wasm boundary writes it into linear memory anyway); `head` is the
    /// start of those bytes (5 are enough: a fixed header's most). The room is in the buffer
    /// of the frame they continue or start, reserved at that frame's length, so a packet
    /// arriving in pieces is copied once in all, its first piece included. When the bytes
    /// finish that frame and start another, the room holds only the frame's end: the driver
    /// writes it, then asks again for the rest, so the frame's buffer neither grows past the
    /// frame nor keeps the next packet's start. None when the bytes start a frame they hold
    /// whole (the usual case: one message, whole packets): the driver then hands over a
    /// buffer of its own with `push_owned`, adopted as is.
    pub fn room_in_frame(&mut self, len: usize, head: &[u8]) -> Option<&mut [MaybeUninit<u8>]> {
        if self.failed.is_some() {
            return None;
        }
        let have = self.buffered();
        // A malformed or oversized header gives None: the usual path to its error.
        let frame_len = self.front_frame_len(head);
        if have == 0 && frame_len.is_none_or(|n| n <= len) {
            return None;
        }
        let room = match frame_len {
            Some(n) if n > have && n < have + len => n - have,
            _ => len,
        };
        // What a header claims is believed up to `RESERVE_AHEAD_MAX` (and only within the
        // Maximum Packet Size, which `frame` holds): larger frames grow as they come.
        let capacity = frame_len
            .map_or(0, |n| n.min(RESERVE_AHEAD_MAX))
            .max(have + room);
        if self.partial.is_empty() {
            // The frame's start (after packets already cut from `buf`, or a header split
            // between messages) moves once, into a buffer of the frame's length.
            let mut partial = Vec::with_capacity(capacity);
            partial.extend_from_slice(&self.buf);
            self.buf = Bytes::new();
            self.partial = partial;
        } else {
            self.partial.reserve(capacity - self.partial.len());
        }
        Some(&mut self.partial.spare_capacity_mut()[..room])
    }

    /// The length of the frame at the front of what is buffered followed by `head`, when
    /// they hold its header (which may be split between them).
    fn front_frame_len(&self, head: &[u8]) -> Option<usize> {
        let front: &[u8] = if self.partial.is_empty() {
            &self.buf
        } else {
            &self.partial
        };
        let mut start = [0u8; 5];
        let buffered = front.len().min(5);
        start[..buffered].copy_from_slice(&front[..buffered]);
        let more = head.len().min(5 - buffered);
        start[buffered..buffered + more].copy_from_slice(&head[..more]);
        match frame(&start[..buffered + more], self.max_packet_size) {
            Ok(Some(f)) => Some(f.header_len + f.body_len),
            _ => None,
        }
    }

    /// The first `written` bytes of the room `room_in_frame` gave now hold received bytes.
    ///
    /// # Safety
    /// They were all initialised, and `room_in_frame` was the last call on this decoder.
    pub unsafe fn commit_room(&mut self, written: usize) {
        let len = self.partial.len() + written;
        debug_assert!(len <= self.partial.capacity());
        self.partial.set_len(len);
    }

    /// Ok(None): need more bytes. Err: the stream is corrupt and the connection must be
    /// closed (the decoder is then unusable until clear()).
    pub fn next_packet(&mut self) -> Result<Option<Packet>, CodecError> {
        self.next::<false>()
    }

    /// `next_packet` for the client: CONNECT, SUBSCRIBE and UNSUBSCRIBE, which only a
    /// client sends, fail with `NotFromBroker` unread. Their readers then never reach the
    /// client's wasm (about 8 KB of it); `next_packet` still decodes them for test brokers.
    /// The remaining length (the size after the fixed header) of the frame read last, also
    /// of one refused.
    pub fn last_body_len(&self) -> usize {
        self.last_body_len
    }

    /// The packet type of the frame read last, also of one refused (too large, malformed).
    pub fn last_type(&self) -> u8 {
        self.last_type
    }

    pub fn next_from_broker(&mut self) -> Result<Option<Packet>, CodecError> {
        self.next::<true>()
    }

    fn next<const FROM_BROKER: bool>(&mut self) -> Result<Option<Packet>, CodecError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        // Framing apart from decoding: "no whole packet yet" (once per socket message while
        // a packet arrives in pieces) returns without moving a packet-sized result around.
        let decoded = match self.next_frame() {
            Ok(None) => return Ok(None),
            Ok(Some((byte1, body))) => decode::packet::<FROM_BROKER>(byte1, body, self.version),
            Err(e) => Err(e),
        };
        if let Err(e) = decoded {
            self.failed = Some(e);
            self.buf = Bytes::new();
            self.partial = Vec::new();
            return Err(e);
        }
        decoded.map(Some)
    }

    /// The first byte and the body of the next whole frame; None until it is whole.
    fn next_frame(&mut self) -> Result<Option<(u8, Bytes)>, CodecError> {
        let received = if self.partial.is_empty() {
            &self.buf[..]
        } else {
            &self.partial[..]
        };
        if let Some(&byte1) = received.first() {
            self.last_type = byte1 >> 4;
            if let Ok(Some((len, _))) = wire::varint(&received[1..]) {
                self.last_body_len = len as usize;
            }
        }
        let Some(f) = frame(received, self.max_packet_size)? else {
            return Ok(None);
        };
        let total = f.header_len + f.body_len;
        if received.len() < total {
            return Ok(None);
        }
        if !self.partial.is_empty() {
            self.buf = bytes_of(core::mem::take(&mut self.partial));
        }
        let body = self.buf.slice(f.header_len..total);
        self.buf.advance(total);
        Ok(Some((f.byte1, body)))
    }

    /// Bytes received but not yet returned as packets.
    pub fn buffered(&self) -> usize {
        self.buf.len() + self.partial.len()
    }

    /// Drops buffered bytes and any error: ready for a new connection.
    pub fn clear(&mut self) {
        self.buf = Bytes::new();
        self.partial = Vec::new();
        self.failed = None;
    }
}

/// What the encoder writes: a whole packet, or a PUBLISH its owner keeps where it is (the
/// engine's in-flight and queued ones). Wrapping a PUBLISH in a `Packet` and taking it back
/// out moved the whole struct each way, per packet (issue #23).
#[derive(Clone, Copy)]
enum Encodable<'a> {
    Packet(&'a Packet),
    Publish(&'a Publish),
}

impl Encodable<'_> {
    fn header_byte(self) -> Result<u8, CodecError> {
        match self {
            Encodable::Packet(packet) => encode::header_byte(packet),
            Encodable::Publish(p) => encode::publish_header_byte(p),
        }
    }

    fn body<const FROM_CLIENT: bool>(
        self,
        s: &mut Sink,
        version: ProtocolVersion,
    ) -> Result<(), CodecError> {
        match self {
            Encodable::Packet(packet) => encode::body::<FROM_CLIENT>(s, packet, version),
            Encodable::Publish(p) => encode::publish(s, p, version.is_v5()),
        }
    }
}

/// Body length of `packet`, validated: the counting pass runs every check `encode` does.
fn body_len<const FROM_CLIENT: bool>(
    packet: Encodable,
    version: ProtocolVersion,
    external_len: usize,
) -> Result<u32, CodecError> {
    let mut counter = Sink::counter();
    counter.len = external_len;
    packet.body::<FROM_CLIENT>(&mut counter, version)?;
    wire::section_len(counter.len)
}

/// Appends one encoded packet to `out`; on error nothing is appended.
pub fn encode(
    packet: &Packet,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<usize, CodecError> {
    encode_as::<false>(
        Encodable::Packet(packet),
        version,
        usize::MAX,
        out,
        false,
        0,
    )
}

/// `encode` for the client: CONNACK, SUBACK and UNSUBACK, which only a broker sends, are
/// refused, so their writers never reach the client's wasm.
pub fn encode_from_client(
    packet: &Packet,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<usize, CodecError> {
    encode_as::<true>(
        Encodable::Packet(packet),
        version,
        usize::MAX,
        out,
        false,
        0,
    )
}

/// `encode_from_client` of a packet that must fit `max_size` bytes (a broker's Maximum
/// Packet Size): `PacketTooLarge` otherwise. One encoding pass counts for both. With
/// `leave_out_payload` a PUBLISH's payload is counted but not appended: the caller sends it
/// from where it is, right after what was appended. `external_len`: payload bytes a PUBLISH
/// (whose own payload is empty) has outside `packet`, counted in its length the same way.
pub fn encode_from_client_within(
    packet: &Packet,
    version: ProtocolVersion,
    max_size: usize,
    out: &mut Vec<u8>,
    leave_out_payload: bool,
    external_len: usize,
) -> Result<usize, CodecError> {
    encode_as::<true>(
        Encodable::Packet(packet),
        version,
        max_size,
        out,
        leave_out_payload,
        external_len,
    )
}

/// `encode_from_client_within` of a PUBLISH the caller keeps (no `Packet` around it).
pub fn encode_publish_within(
    publish: &Publish,
    version: ProtocolVersion,
    max_size: usize,
    out: &mut Vec<u8>,
    leave_out_payload: bool,
    external_len: usize,
) -> Result<usize, CodecError> {
    encode_as::<true>(
        Encodable::Publish(publish),
        version,
        max_size,
        out,
        leave_out_payload,
        external_len,
    )
}

fn encode_as<const FROM_CLIENT: bool>(
    packet: Encodable,
    version: ProtocolVersion,
    max_size: usize,
    out: &mut Vec<u8>,
    leave_out_payload: bool,
    external_len: usize,
) -> Result<usize, CodecError> {
    let byte1 = packet.header_byte()?;
    let len = body_len::<FROM_CLIENT>(packet, version, external_len)?;
    if 1 + wire::varint_len(len) + len as usize > max_size {
        return Err(CodecError::PacketTooLarge);
    }
    let start = out.len();
    let written = {
        let mut s = Sink::to(out);
        s.leave_out_payload = leave_out_payload;
        s.u8(byte1);
        s.varint(len)
            .and_then(|()| packet.body::<FROM_CLIENT>(&mut s, version))
    };
    if let Err(e) = written {
        out.truncate(start);
        return Err(e);
    }
    // The whole packet, a payload left out included.
    Ok(1 + wire::varint_len(len) + len as usize)
}

/// Exact size `encode` would produce (for Maximum Packet Size checks before queueing).
pub fn encoded_len(packet: &Packet, version: ProtocolVersion) -> Result<usize, CodecError> {
    encoded_len_as::<false>(Encodable::Packet(packet), version, 0)
}

/// Exact size `encode_from_client` would produce.
pub fn encoded_len_from_client(
    packet: &Packet,
    version: ProtocolVersion,
) -> Result<usize, CodecError> {
    encoded_len_as::<true>(Encodable::Packet(packet), version, 0)
}

/// `encoded_len_from_client` of a PUBLISH (no `Packet` around it), with `external_len`
/// payload bytes outside it (as in `encode_publish_within`).
pub fn encoded_publish_len(
    publish: &Publish,
    version: ProtocolVersion,
    external_len: usize,
) -> Result<usize, CodecError> {
    encoded_len_as::<true>(Encodable::Publish(publish), version, external_len)
}

fn encoded_len_as<const FROM_CLIENT: bool>(
    packet: Encodable,
    version: ProtocolVersion,
    external_len: usize,
) -> Result<usize, CodecError> {
    packet.header_byte()?;
    let len = body_len::<FROM_CLIENT>(packet, version, external_len)?;
    Ok(1 + wire::varint_len(len) + len as usize)
}

/// Exactly one whole packet, no trailing bytes (CONNECT carries its own version).
pub fn decode_one(
    bytes: &[u8],
    version: ProtocolVersion,
    max_packet_size: usize,
) -> Result<Packet, CodecError> {
    let Some(f) = frame(bytes, max_packet_size)? else {
        return Err(CodecError::Malformed("incomplete packet"));
    };
    let total = f.header_len + f.body_len;
    if bytes.len() < total {
        return Err(CodecError::Malformed("incomplete packet"));
    }
    if bytes.len() > total {
        return Err(CodecError::TrailingBytes);
    }
    let body = bytes_of(bytes[f.header_len..].to_vec());
    decode::packet::<false>(f.byte1, body, version)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// A PUBLISH header (QoS 0, topic "t") for a body of `body_len` bytes, then `have` of them.
    fn publish_start(body_len: usize, have: usize) -> Vec<u8> {
        let mut out = vec![0x30];
        let mut n = body_len;
        loop {
            let b = (n % 128) as u8;
            n /= 128;
            out.push(if n > 0 { b | 0x80 } else { b });
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&[0, 1, b't']);
        out.resize(out.len() + have.saturating_sub(3), 0x5a);
        out
    }

    #[test]
    fn a_frame_arriving_in_pieces_is_reassembled_in_one_buffer_of_its_length() {
        let body = 1 << 20;
        let first = publish_start(body, 1000);
        let total = first.len() - 1000 + body;
        let mut d = Decoder::new(ProtocolVersion::V3_1_1, MAX_FRAME);
        d.push_owned(first.clone());
        assert!(d.next_from_broker().unwrap().is_none());
        d.push(&[0x5a; 4096]);
        let buffer = d.partial.as_ptr();
        assert!(
            d.partial.capacity() >= total,
            "reserved for the whole frame"
        );
        let mut got = first.len() + 4096;
        while got < total {
            let n = (total - got).min(65_536);
            d.push(&vec![0x5a; n]);
            got += n;
            if got < total {
                assert_eq!(d.partial.as_ptr(), buffer, "never moved while it filled");
            }
        }
        let Some(Packet::Publish(p)) = d.next_from_broker().unwrap() else {
            panic!("the PUBLISH")
        };
        assert_eq!(p.payload.len(), body - 3);
    }

    /// Writes `bytes` where `room_in_frame` says and decodes after each write into `got`, as
    /// the wasm boundary does; false when the decoder gave no room at first (nothing
    /// buffered) and the bytes went in with `push_owned`.
    fn write_in_place(d: &mut Decoder, mut bytes: &[u8], got: &mut Vec<Packet>) -> bool {
        let mut in_place = true;
        while !bytes.is_empty() {
            let written = match d.room_in_frame(bytes.len(), &bytes[..bytes.len().min(5)]) {
                Some(room) => {
                    let n = room.len();
                    for (slot, b) in room.iter_mut().zip(bytes) {
                        slot.write(*b);
                    }
                    // SAFETY: every byte of the room was just written.
                    unsafe { d.commit_room(n) };
                    n
                }
                None => {
                    in_place = false;
                    d.push_owned(bytes.to_vec());
                    bytes.len()
                }
            };
            bytes = &bytes[written..];
            while let Some(p) = d.next_from_broker().unwrap() {
                got.push(p);
            }
        }
        in_place
    }

    #[test]
    fn pieces_written_in_place_land_in_the_frame_buffer_and_decode_whole() {
        // Piece counts and cut points across the header, the topic and the payload, with a
        // second packet starting inside the last piece.
        let body = 70_000;
        let mut stream = publish_start(body, body);
        stream.extend_from_slice(&publish_start(5, 5));
        for pieces in [2usize, 3, 7, 64, 1000] {
            for shift in [0usize, 1, 2, 5] {
                let mut d = Decoder::new(ProtocolVersion::V3_1_1, MAX_FRAME);
                let mut cuts: Vec<usize> = (1..pieces).map(|i| stream.len() * i / pieces).collect();
                cuts.iter_mut()
                    .for_each(|c| *c = (*c + shift).min(stream.len() - 1));
                cuts.insert(0, 0);
                cuts.push(stream.len());
                let mut got = Vec::new();
                let mut in_place = 0;
                for w in cuts.windows(2) {
                    in_place += usize::from(write_in_place(&mut d, &stream[w[0]..w[1]], &mut got));
                }
                assert!(
                    in_place >= pieces - 2,
                    "{pieces} pieces, {in_place} in place"
                );
                assert_eq!(got.len(), 2, "{pieces} pieces shifted {shift}");
                let (Packet::Publish(a), Packet::Publish(b)) = (&got[0], &got[1]) else {
                    panic!("two PUBLISH packets")
                };
                assert_eq!((a.payload.len(), b.payload.len()), (body - 3, 2));
                assert!(a.payload.iter().all(|&x| x == 0x5a));
                assert_eq!(d.buffered(), 0);
            }
        }
    }

    #[test]
    fn no_room_in_frame_when_nothing_is_buffered_or_after_an_error() {
        let mut d = Decoder::new(ProtocolVersion::V3_1_1, MAX_FRAME);
        assert!(d.room_in_frame(10, &[]).is_none());
        d.push_owned(vec![0xf0, 0x00]); // reserved packet type 15 with flags: corrupt
        assert!(d.next_from_broker().is_err());
        d.push_owned(vec![0x30]);
        assert!(d.room_in_frame(10, &[]).is_none());
    }

    #[test]
    fn a_length_the_broker_never_sends_reserves_a_bounded_amount() {
        let mut d = Decoder::new(ProtocolVersion::V3_1_1, MAX_FRAME);
        d.push_owned(publish_start(200 << 20, 10));
        assert!(d.next_from_broker().unwrap().is_none());
        d.push(&[0x5a; 10]);
        assert!(d.partial.capacity() <= RESERVE_AHEAD_MAX + 64);
        assert!(d.next_from_broker().unwrap().is_none());
    }
}
