//! `codec_decode`: arbitrary bytes through the stream `Decoder`.
//!
//! Input: one config byte (protocol version, Maximum Packet Size class), a 4-byte seed for the
//! split points, then the byte stream. Checked: no panic; the outcome (packets, then at most
//! one error) does not depend on how the stream is split; each frame decodes alone to the same
//! packet with `decode_one`; a decoded packet re-encodes, `encoded_len` matches, and the
//! encoding decodes back to the same packet and re-encodes to the same bytes; the decoder
//! holds exactly the bytes pushed and not yet returned, and nothing after an error.

use mpmqtt::codec::{self, CodecError, Decoder, Packet, ProtocolVersion};
use mpmqtt::engine::MAX_PACKET_SIZE;

use super::Input;

pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// The config byte for a seed: version index 0..=2, max class 0..=3 (see `max_size`).
pub fn config(version: ProtocolVersion, max_class: u8) -> u8 {
    let v = VERSIONS.iter().position(|x| *x == version).unwrap_or(0) as u8;
    v | (max_class << 2)
}

fn max_size(class: u8, input: &mut Input) -> usize {
    match class & 3 {
        // Tiny limits exercise PacketTooLarge at every header length.
        0 => 2 + input.u8() as usize,
        1 => 2 + input.u16() as usize,
        2 => MAX_PACKET_SIZE,
        _ => usize::MAX,
    }
}

#[derive(Debug, PartialEq)]
enum Outcome {
    /// A packet and the length of the frame it came from.
    Packet(Box<Packet>, usize),
    Error(CodecError),
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let cfg = input.u8();
    let version = VERSIONS[(cfg % 4 % 3) as usize];
    let max = max_size(cfg >> 2, &mut input);
    let seed = input.u32();
    let stream = input.rest();

    let whole = decode_stream(version, max, stream, &[stream.len()]);
    let pieces = decode_stream(version, max, stream, &split_points(seed, stream.len()));
    assert_eq!(whole, pieces, "decoding depends on how the stream is split");

    // One-shot decoding of the whole input must not panic whatever the version.
    for v in VERSIONS {
        if let Err(e) = codec::decode_one(stream, v, max) {
            let _ = (e.message(), e.reason_code());
        }
    }
}

/// Chunk lengths from a xorshift seeded by the input, biased to small pieces so headers split.
fn split_points(seed: u32, len: usize) -> Vec<usize> {
    let mut x = seed as u64 | 1 << 40;
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = match x % 4 {
            0 => 1,
            1 => 1 + (x >> 8) as usize % 4,
            _ => 1 + (x >> 8) as usize % 64,
        }
        .min(left);
        out.push(n);
        left -= n;
    }
    out
}

fn decode_stream(
    version: ProtocolVersion,
    max: usize,
    stream: &[u8],
    chunks: &[usize],
) -> Vec<Outcome> {
    let mut d = Decoder::new(version, max);
    let mut out = Vec::new();
    let mut pushed = 0usize;
    let mut consumed = 0usize;
    let mut failed: Option<CodecError> = None;
    for &n in chunks {
        d.push(&stream[pushed..pushed + n]);
        pushed += n;
        loop {
            let before = d.buffered();
            match d.next_packet() {
                Ok(Some(p)) => {
                    assert!(failed.is_none(), "a packet after an error");
                    let frame_len = before - d.buffered();
                    let frame = &stream[consumed..consumed + frame_len];
                    assert!(
                        frame_len <= max,
                        "{frame_len}-byte frame above the {max} limit"
                    );
                    check_packet(&p, version, frame, max);
                    consumed += frame_len;
                    out.push(Outcome::Packet(Box::new(p), frame_len));
                }
                Ok(None) => {
                    assert!(failed.is_none(), "Ok(None) after an error");
                    break;
                }
                Err(e) => {
                    let _ = (e.message(), e.reason_code());
                    match failed {
                        // The error sticks: the stream cannot be resynchronised.
                        Some(first) => {
                            assert_eq!(first, e, "a different error after the first");
                            break;
                        }
                        None => {
                            failed = Some(e);
                            out.push(Outcome::Error(e));
                        }
                    }
                }
            }
        }
        if failed.is_some() {
            assert_eq!(d.buffered(), 0, "bytes kept after an error");
        } else {
            assert_eq!(
                d.buffered(),
                pushed - consumed,
                "buffer differs from bytes pending"
            );
        }
    }
    out
}

fn check_packet(p: &Packet, version: ProtocolVersion, frame: &[u8], max: usize) {
    assert_eq!(
        codec::decode_one(frame, version, max).as_ref(),
        Ok(p),
        "decode_one disagrees with the stream decoder"
    );
    let mut bytes = Vec::new();
    let n = match codec::encode(p, version, &mut bytes) {
        Ok(n) => n,
        Err(e) => panic!("decoded packet does not re-encode: {e:?}\n{p:?}"),
    };
    assert_eq!(n, bytes.len(), "encode's length differs from what it wrote");
    assert_eq!(
        codec::encoded_len(p, version),
        Ok(n),
        "encoded_len differs from encode"
    );
    let again = match codec::decode_one(&bytes, version, usize::MAX) {
        Ok(again) => again,
        Err(e) => panic!("re-encoded packet does not decode: {e:?}\n{p:?}\n{bytes:02x?}"),
    };
    assert_eq!(&again, p, "round trip changed the packet");
    let mut twice = Vec::new();
    let _ = codec::encode(&again, version, &mut twice);
    assert_eq!(twice, bytes, "encoding is not canonical");
}
