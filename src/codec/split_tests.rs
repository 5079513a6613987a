//! Packets split across transport messages and written where `Decoder::room_in_frame` says,
//! as the wasm boundary does (issue #23): every cut point and piece size decodes to what the
//! stream decoded whole gives, and the bytes of a packet longer than a piece are written once,
//! its first piece included, into a buffer that never moves.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use alloc::vec;

fn varint(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let b = (n % 128) as u8;
        n /= 128;
        out.push(if n > 0 { b | 0x80 } else { b });
        if n == 0 {
            return;
        }
    }
}

const TOPIC: &[u8] = b"split/topic";
/// Content Type "application/x" and a User Property k=v: 23 bytes.
const PROPERTIES: &[u8] = b"\x03\x00\x0dapplication/x\x26\x00\x01k\x00\x01v";
/// Topic (with its length), packet id, property length and properties.
const BEFORE_PAYLOAD: usize = 2 + TOPIC.len() + 2 + 1 + PROPERTIES.len();

/// A v5 QoS 1 PUBLISH whose remaining length is `body_len`, its payload a pattern `seed`
/// shifts, so that a byte out of place shows.
fn publish(body_len: usize, seed: usize) -> Vec<u8> {
    let mut out = vec![0x32];
    varint(body_len, &mut out);
    out.extend_from_slice(&(TOPIC.len() as u16).to_be_bytes());
    out.extend_from_slice(TOPIC);
    out.extend_from_slice(&[0x12, 0x34]);
    out.push(PROPERTIES.len() as u8);
    out.extend_from_slice(PROPERTIES);
    out.extend((0..body_len - BEFORE_PAYLOAD).map(|i| ((i * 7 + seed) % 251) as u8));
    out
}

/// The straightforward reassembly: the whole stream pushed at once.
fn decoded_whole(stream: &[u8]) -> Vec<Packet> {
    let mut d = Decoder::new(ProtocolVersion::V5, MAX_FRAME);
    d.push(stream);
    let mut out = Vec::new();
    while let Some(p) = d.next_from_broker().expect("a valid stream") {
        out.push(p);
    }
    assert_eq!(d.buffered(), 0);
    out
}

/// What feeding a stream piece by piece did.
#[derive(Default)]
struct Fed {
    packets: Vec<Packet>,
    /// Buffered bytes the decoder moved to another buffer (into a frame's buffer, or when
    /// that buffer had to grow): copies beyond the one that wrote each piece.
    moved: usize,
    /// Pieces written inside a frame's buffer rather than into one of their own (their
    /// first part, when the room ended before them).
    in_place: usize,
    /// Writes: one per piece, plus one for the rest of a piece that finished a packet
    /// inside a frame's buffer and started another.
    writes: usize,
}

/// Writes each piece where `room_in_frame` says (its own buffer, adopted, when it gives none)
/// and decodes after each, counting the bytes the decoder moves.
fn feed(d: &mut Decoder, stream: &[u8], cuts: &[usize]) -> Fed {
    let mut fed = Fed::default();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied().filter(|&c| c > 0 && c < stream.len()));
    bounds.push(stream.len());
    for w in bounds.windows(2) {
        // As the wasm boundary does: where the room ends before the piece does (the end of
        // one packet, another after it), the rest goes in with the next call.
        let mut rest = &stream[w[0]..w[1]];
        let mut first = true;
        while !rest.is_empty() {
            let (buf_len, partial_len, capacity) =
                (d.buf.len(), d.partial.len(), d.partial.capacity());
            let written = match d.room_in_frame(rest.len(), &rest[..rest.len().min(5)]) {
                Some(room) => {
                    let n = room.len();
                    assert!(n > 0 && n <= rest.len());
                    for (slot, b) in room.iter_mut().zip(rest) {
                        slot.write(*b);
                    }
                    // SAFETY: every byte of the room was just written.
                    unsafe { d.commit_room(n) };
                    fed.in_place += usize::from(first);
                    if partial_len == 0 {
                        fed.moved += buf_len;
                    } else if capacity < partial_len + n {
                        // Grown: whether the allocator moves it or not, count the worst.
                        fed.moved += partial_len;
                    }
                    n
                }
                None => {
                    d.push_owned(rest.to_vec());
                    rest.len()
                }
            };
            fed.writes += 1;
            rest = &rest[written..];
            first = false;
            while let Some(p) = d.next_from_broker().expect("a valid stream") {
                fed.packets.push(p);
            }
        }
    }
    assert_eq!(d.buffered(), 0, "every byte decoded");
    fed
}

fn two_pieces_at(stream: &[u8], cut: usize) -> Fed {
    feed(
        &mut Decoder::new(ProtocolVersion::V5, MAX_FRAME),
        stream,
        &[cut],
    )
}

fn pieces_of(stream: &[u8], size: usize) -> Fed {
    let cuts: Vec<usize> = (size..stream.len()).step_by(size).collect();
    feed(
        &mut Decoder::new(ProtocolVersion::V5, MAX_FRAME),
        stream,
        &cuts,
    )
}

/// Remaining lengths at both ends of each Variable Byte Integer size (1 to 4 bytes).
const BODY_LENS: [usize; 6] = [127, 128, 16_383, 16_384, 2_097_151, 2_097_152];

#[test]
fn every_cut_in_the_header_topic_properties_and_payload_decodes_and_moves_nothing() {
    for body_len in BODY_LENS {
        let stream = publish(body_len, body_len);
        let whole = decoded_whole(&stream);
        let header_len = stream.len() - body_len;
        // Every cut through the fixed header, topic, packet id and properties and the first
        // payload bytes, then across the payload and up to its last byte.
        let mut cuts: Vec<usize> = (1..header_len + BEFORE_PAYLOAD + 3).collect();
        cuts.extend([
            stream.len() / 3,
            stream.len() / 2,
            stream.len() - 2,
            stream.len() - 1,
        ]);
        for cut in cuts {
            let fed = two_pieces_at(&stream, cut);
            assert_eq!(
                fed.packets, whole,
                "remaining length {body_len}, cut at {cut}"
            );
            // A first piece that holds the whole fixed header is written into the frame's
            // buffer; a shorter one (a header split between messages) is moved, once.
            let expected_moved = if cut < header_len { cut } else { 0 };
            assert_eq!(
                (fed.moved, fed.in_place),
                (expected_moved, if cut < header_len { 1 } else { 2 }),
                "remaining length {body_len}, cut at {cut}"
            );
        }
    }
}

#[test]
fn every_piece_size_decodes_and_each_byte_is_written_once() {
    for body_len in BODY_LENS {
        let stream = publish(body_len, 3);
        let whole = decoded_whole(&stream);
        let header_len = stream.len() - body_len;
        let mut sizes = vec![2, 3, 5, 6, 7, 64, 1000, 4096, 65_536];
        if body_len <= 16_384 {
            sizes.push(1);
        }
        sizes.extend([
            stream.len() / 2,
            stream.len() - 1,
            stream.len(),
            stream.len() + 1,
        ]);
        for size in sizes.into_iter().filter(|&s| s > 0) {
            let fed = pieces_of(&stream, size);
            assert_eq!(
                fed.packets, whole,
                "remaining length {body_len}, pieces of {size}"
            );
            // Only bytes before the header was whole ever move: the buffer, reserved at the
            // frame's length, never grows.
            let moved_at_most = if size < header_len { 16 } else { 0 };
            assert!(
                fed.moved <= moved_at_most,
                "remaining length {body_len}, pieces of {size}: {} bytes moved",
                fed.moved
            );
            let pieces = stream.len().div_ceil(size);
            let adopted = if pieces == 1 {
                1
            } else {
                usize::from(size < header_len)
            };
            assert_eq!(fed.in_place, pieces - adopted, "pieces of {size}");
        }
    }
}

#[test]
fn small_packets_then_the_start_of_a_large_one_move_that_start_once() {
    // Several whole packets and the start of a large one in one piece (brokers that cut
    // their stream into messages of their own size do this): the whole ones are cut from the
    // piece's own buffer, the large one's start moves once into the frame's buffer (it is no
    // longer than the piece), then nothing more moves. Twice in a row, a small packet last.
    let smalls: Vec<u8> = [127usize, 40, 200]
        .iter()
        .enumerate()
        .flat_map(|(i, &n)| publish(n, i))
        .collect();
    for large in [16_384usize, 2_097_152] {
        let large_len = publish(large, 0).len();
        for start_len in [1usize, 2, 4, 5, 6, 30, 1000] {
            for size in [1000usize, 65_536] {
                let mut stream = Vec::new();
                let mut cuts = Vec::new();
                let mut starts_moved = 0;
                for seed in [11, 13] {
                    stream.extend_from_slice(&smalls);
                    let large_at = stream.len();
                    stream.extend(publish(large, seed));
                    // The piece ends `start_len` bytes into the large packet, the rest of
                    // which comes in pieces of `size`.
                    cuts.extend((large_at + start_len..large_at + large_len).step_by(size));
                    cuts.push(large_at + large_len);
                    starts_moved += start_len;
                }
                stream.extend(publish(128, 17));
                let fed = feed(
                    &mut Decoder::new(ProtocolVersion::V5, MAX_FRAME),
                    &stream,
                    &cuts,
                );
                assert_eq!(
                    fed.packets,
                    decoded_whole(&stream),
                    "large {large}, start {start_len}, pieces of {size}"
                );
                assert_eq!(
                    fed.moved, starts_moved,
                    "large {large}, start {start_len}, pieces of {size}"
                );
            }
        }
    }
}

#[test]
fn a_piece_ending_one_large_packet_and_starting_the_next_is_written_in_two_parts() {
    // Large packets back to back, cut without regard to them: the piece that finishes one
    // packet is written in two parts, its end into that packet's buffer and the rest into
    // the next one's, so nothing moves but header bytes split between pieces (at most 4 per
    // packet). Pieces that hold a whole packet and the start of the next: whole and correct.
    let mut stream = publish(70_000, 1);
    stream.extend(publish(70_000, 3));
    stream.extend(publish(16_384, 4));
    stream.extend(publish(2_097_152, 5));
    let whole = decoded_whole(&stream);
    for size in [6usize, 1000, 4099, 16_000] {
        let fed = pieces_of(&stream, size);
        assert_eq!(fed.packets, whole, "pieces of {size}");
        assert!(fed.moved <= 4 * 4, "pieces of {size}: {} moved", fed.moved);
        assert!(
            fed.writes > stream.len().div_ceil(size),
            "pieces of {size}: some were split"
        );
    }
    for size in [3usize, 65_536, 70_001, 100_000, 1 << 20] {
        assert_eq!(pieces_of(&stream, size).packets, whole, "pieces of {size}");
    }
}

#[test]
fn pieces_of_exactly_a_packet_are_adopted_whole() {
    for body_len in [127usize, 128, 16_384] {
        let one = publish(body_len, 5);
        let stream: Vec<u8> = (0..4).flat_map(|_| one.iter().copied()).collect();
        let fed = pieces_of(&stream, one.len());
        assert_eq!(fed.packets, decoded_whole(&stream));
        assert_eq!(
            (fed.moved, fed.in_place),
            (0, 0),
            "each piece is one whole packet"
        );
        // One byte more or less than a packet per piece: in place from the first cut on.
        for size in [one.len() - 1, one.len() + 1] {
            let fed = pieces_of(&stream, size);
            assert_eq!(fed.packets, decoded_whole(&stream), "pieces of {size}");
        }
    }
}

#[test]
fn a_malformed_or_oversized_length_fails_without_reserving_for_it() {
    // A 5-byte remaining length: never a frame, whether the header arrives whole or split.
    let five = [0x30u8, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0];
    let mut d = Decoder::new(ProtocolVersion::V5, MAX_FRAME);
    assert!(d.room_in_frame(five.len(), &five[..5]).is_none());
    d.push_owned(five.to_vec());
    assert_eq!(
        d.next_from_broker(),
        Err(CodecError::MalformedRemainingLength)
    );
    for cut in 1..5 {
        let mut d = Decoder::new(ProtocolVersion::V5, MAX_FRAME);
        d.push_owned(five[..cut].to_vec());
        assert_eq!(d.next_from_broker(), Ok(None));
        let rest = &five[cut..];
        let room = d.room_in_frame(rest.len(), &rest[..rest.len().min(5)]);
        assert!(room.is_some_and(|r| r.len() == rest.len()));
        assert!(d.partial.capacity() <= five.len() + 8, "cut at {cut}");
    }
    // Over the Maximum Packet Size: refused before any room is reserved for it.
    let max = 1 << 20;
    for body_len in [max - 3, max, 100 << 20] {
        let big = publish(2_097_152, 0);
        let mut header = vec![0x32];
        varint(body_len, &mut header);
        let piece: Vec<u8> = header.iter().chain(&big[5..4096]).copied().collect();
        let mut d = Decoder::new(ProtocolVersion::V5, max);
        assert!(
            d.room_in_frame(piece.len(), &piece[..5]).is_none(),
            "{body_len}"
        );
        d.push_owned(piece);
        assert_eq!(d.next_from_broker(), Err(CodecError::PacketTooLarge));
        assert_eq!(d.partial.capacity(), 0);
    }
    // Within the limit but beyond what is believed up front: the reservation stops there.
    let mut header = vec![0x32];
    varint(200 << 20, &mut header);
    header.extend_from_slice(&[0; 100]);
    let mut d = Decoder::new(ProtocolVersion::V5, MAX_FRAME);
    assert!(d.room_in_frame(header.len(), &header[..5]).is_some());
    assert_eq!(d.partial.capacity(), RESERVE_AHEAD_MAX);
}
