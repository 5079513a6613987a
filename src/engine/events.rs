//! What the engine tells its driver, and the human-readable reasons it attaches.

use alloc::string::String;
use alloc::vec::Vec;

use crate::codec::{AckProperties, AuthProperties, ConnAckProperties, DisconnectProperties};

/// Identifies a page operation (publish, subscribe, unsubscribe); never 0.
pub type OpId = u32;

/// Connection-level failures, reported through `Event::Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The broker refused CONNACK; `Event::Error::code` holds the return/reason code.
    ConnectionRefused = 1,
    ConnectTimeout = 2,
    /// No PINGRESP (or anything else) in time: the link is dead or half-open.
    KeepaliveTimeout = 3,
    /// The broker sent bytes that break the protocol; the connection was closed.
    ProtocolError = 4,
    /// The broker keeps closing us right after CONNACK, or said "session taken over":
    /// another client uses the same client id. Reconnecting stopped.
    ClientIdTaken = 5,
    /// `maxReconnectAttempts` consecutive attempts failed. Reconnecting stopped.
    ReconnectExhausted = 6,
    /// The credentials provider failed.
    CredentialsFailed = 7,
}

impl ErrorKind {
    /// The string the glue puts in `err.code`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::ConnectionRefused => "connection_refused",
            ErrorKind::ConnectTimeout => "connect_timeout",
            ErrorKind::KeepaliveTimeout => "keepalive_timeout",
            ErrorKind::ProtocolError => "protocol_error",
            ErrorKind::ClientIdTaken => "client_id_taken",
            ErrorKind::ReconnectExhausted => "reconnect_exhausted",
            ErrorKind::CredentialsFailed => "credentials_failed",
        }
    }
}

/// Why an operation failed, reported through `Event::OpFailed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpError {
    InvalidTopic = 1,
    InvalidQoS = 2,
    /// Encoded packet larger than the broker's Maximum Packet Size (or MQTT's limit).
    PacketTooLarge = 3,
    QueueFull = 4,
    /// `queueQoSZero: false` and no connection.
    NoConnection = 5,
    /// The client is ending or ended.
    Disconnecting = 6,
    /// The connection closed and the operation cannot survive it.
    ConnectionClosed = 7,
    /// The broker answered with a failure reason code (v5), code in `Event::OpFailed::code`.
    Refused = 8,
    /// `removeOutgoingMessage`.
    Removed = 9,
    /// The broker does not allow it (Maximum QoS, Retain Available, Topic Alias Maximum).
    NotSupportedByServer = 10,
    InvalidArgument = 11,
}

impl OpError {
    /// The string the glue puts in `err.code`.
    pub fn name(self) -> &'static str {
        match self {
            OpError::InvalidTopic => "invalid_topic",
            OpError::InvalidQoS => "invalid_qos",
            OpError::PacketTooLarge => "packet_too_large",
            OpError::QueueFull => "queue_full",
            OpError::NoConnection => "no_connection",
            OpError::Disconnecting => "client_disconnecting",
            OpError::ConnectionClosed => "connection_closed",
            OpError::Refused => "refused",
            OpError::Removed => "removed",
            OpError::NotSupportedByServer => "not_supported_by_server",
            OpError::InvalidArgument => "invalid_argument",
        }
    }
}

/// A received application message: the PUBLISH as decoded (the topic alias resolved), so
/// delivering it moves the packet into the event instead of copying its fields over.
pub type Message = crate::codec::Publish;

/// Success details of a finished operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OpDone {
    pub op: OpId,
    /// PUBLISH: the message id (0 for QoS 0).
    pub message_id: u16,
    /// PUBACK/PUBCOMP reason (0 on 3.x and for QoS 0).
    pub reason: u8,
    /// SUBACK granted QoS / failure codes, UNSUBACK reason codes.
    pub codes: Vec<u8>,
    pub properties: Option<AckProperties>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Open a socket now.
    OpenTransport,
    /// Close the socket after sending what `poll_transmit` returned.
    CloseTransport,
    /// Ask the page's credentials provider; `attempt` counts from 1.
    NeedCredentials {
        attempt: u32,
    },
    Connected {
        session_present: bool,
        code: u8,
        properties: Option<ConnAckProperties>,
    },
    Message(Message),
    OpDone(OpDone),
    OpFailed {
        op: OpId,
        error: OpError,
        /// The broker's reason code for `OpError::Refused`, else 0.
        code: u8,
        message_id: u16,
        text: String,
    },
    /// A reconnect attempt starts (MQTT.js `reconnect`).
    Reconnecting,
    /// The socket closed; `was_connected` tells whether MQTT.js would emit `offline`.
    Closed {
        was_connected: bool,
    },
    Error {
        kind: ErrorKind,
        code: u8,
        text: String,
    },
    /// v5 DISCONNECT from the broker.
    ServerDisconnect {
        reason: u8,
        properties: Option<DisconnectProperties>,
    },
    /// v5 AUTH from the broker.
    Auth {
        reason: u8,
        properties: Option<AuthProperties>,
    },
    PacketSent {
        packet_type: u8,
    },
    PacketReceived {
        packet_type: u8,
    },
    /// Nothing left in flight or queued (MQTT.js `outgoingEmpty`).
    OutgoingEmpty,
    /// The client finished (MQTT.js `end`).
    Ended,
}

/// Appends `n` in decimal: the engine builds messages without `format!`.
pub fn push_number(text: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut rest = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        text.push(d as char);
    }
}

pub fn text_of(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Texts looked up by code, packed at compile time into the codes, the end offset of each
/// text and the texts run together. A `match` returning a `&str` per code compiled to two
/// constants and a branch per arm; packed, a text costs three bytes beyond its characters.
struct Texts<const N: usize, const B: usize> {
    codes: [u8; N],
    ends: [u16; N],
    text: [u8; B],
}

const fn total_len(entries: &[(u8, &str)]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < entries.len() {
        n += entries[i].1.len();
        i += 1;
    }
    n
}

const fn pack<const N: usize, const B: usize>(entries: &[(u8, &str); N]) -> Texts<N, B> {
    let mut t = Texts {
        codes: [0; N],
        ends: [0; N],
        text: [0; B],
    };
    assert!(B <= u16::MAX as usize, "texts too long for u16 offsets");
    let mut at = 0;
    let mut i = 0;
    while i < N {
        t.codes[i] = entries[i].0;
        let bytes = entries[i].1.as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            t.text[at] = bytes[j];
            at += 1;
            j += 1;
        }
        t.ends[i] = at as u16;
        i += 1;
    }
    t
}

/// The run-together texts as a `str`, checked at compile time.
const fn as_str(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => panic!("texts must be UTF-8"),
    }
}

/// The text for `code`, or `default`. One function for every table: the tables differ only
/// in their lengths, which the slices carry.
fn lookup(
    (codes, ends, text): (&[u8], &[u16], &'static str),
    code: u8,
    default: &'static str,
) -> &'static str {
    let Some(i) = codes.iter().position(|&c| c == code) else {
        return default;
    };
    let start = if i == 0 { 0 } else { ends[i - 1] };
    text.get(usize::from(start)..usize::from(ends[i]))
        .unwrap_or(default)
}

macro_rules! text_table {
    ($name:ident, $list:ident) => {
        const $name: (&[u8], &[u16], &str) = {
            const PACKED: Texts<{ $list.len() }, { total_len(&$list) }> = pack(&$list);
            (&PACKED.codes, &PACKED.ends, as_str(&PACKED.text))
        };
    };
}

/// What follows "Connection refused: " (`connack_reason`), by return or reason code.
const CONNACK_V3_LIST: [(u8, &str); 5] = [
    (1, "unacceptable protocol version"),
    (2, "identifier rejected"),
    (3, "server unavailable"),
    (4, "bad user name or password"),
    (5, "not authorized"),
];

const CONNACK_V5_LIST: [(u8, &str); 21] = [
    (0x80, "unspecified error"),
    (0x81, "malformed packet"),
    (0x82, "protocol error"),
    (0x83, "implementation specific error"),
    (0x84, "unsupported protocol version"),
    (0x85, "client identifier not valid"),
    (0x86, "bad user name or password"),
    (0x87, "not authorized"),
    (0x88, "server unavailable"),
    (0x89, "server busy"),
    (0x8A, "banned"),
    (0x8C, "bad authentication method"),
    (0x90, "topic name invalid"),
    (0x95, "packet too large"),
    (0x97, "quota exceeded"),
    (0x99, "payload format invalid"),
    (0x9A, "retain not supported"),
    (0x9B, "QoS not supported"),
    (0x9C, "use another server"),
    (0x9D, "server moved"),
    (0x9F, "connection rate exceeded"),
];

const REASON_LIST: [(u8, &str); 35] = [
    (0x00, "Success"),
    (0x04, "Disconnect with will message"),
    (0x10, "No matching subscribers"),
    (0x11, "No subscription existed"),
    (0x18, "Continue authentication"),
    (0x19, "Re-authenticate"),
    (0x80, "Unspecified error"),
    (0x81, "Malformed packet"),
    (0x82, "Protocol error"),
    (0x83, "Implementation specific error"),
    (0x87, "Not authorized"),
    (0x89, "Server busy"),
    (0x8B, "Server shutting down"),
    (0x8D, "Keep alive timeout"),
    (0x8E, "Session taken over"),
    (0x8F, "Topic filter invalid"),
    (0x90, "Topic name invalid"),
    (0x91, "Packet identifier in use"),
    (0x92, "Packet identifier not found"),
    (0x93, "Receive maximum exceeded"),
    (0x94, "Topic alias invalid"),
    (0x95, "Packet too large"),
    (0x96, "Message rate too high"),
    (0x97, "Quota exceeded"),
    (0x98, "Administrative action"),
    (0x99, "Payload format invalid"),
    (0x9A, "Retain not supported"),
    (0x9B, "QoS not supported"),
    (0x9C, "Use another server"),
    (0x9D, "Server moved"),
    (0x9E, "Shared subscriptions not supported"),
    (0x9F, "Connection rate exceeded"),
    (0xA0, "Maximum connect time"),
    (0xA1, "Subscription identifiers not supported"),
    (0xA2, "Wildcard subscriptions not supported"),
];

text_table!(CONNACK_V3, CONNACK_V3_LIST);
text_table!(CONNACK_V5, CONNACK_V5_LIST);
text_table!(REASONS, REASON_LIST);

/// Human-readable CONNACK refusal, 3.1.1 return codes and v5 reason codes. Built rather
/// than stored whole: the prefix repeated in 26 stored texts was 500 bytes of wasm.
pub fn connack_reason(code: u8, v5: bool) -> String {
    if code == 0 {
        return String::from(if v5 { "Success" } else { "Connection accepted" });
    }
    let reason = if v5 {
        lookup(CONNACK_V5, code, "unknown reason code")
    } else {
        lookup(CONNACK_V3, code, "unknown return code")
    };
    text_of(&["Connection refused: ", reason])
}

/// Whether a refusal means the credentials are wrong (a provider gets one refresh).
pub fn is_bad_credentials(code: u8, v5: bool) -> bool {
    if v5 {
        matches!(code, 0x86 | 0x87)
    } else {
        matches!(code, 4 | 5)
    }
}

/// v5 reason codes of acknowledgements, DISCONNECT and AUTH.
pub fn reason_text(code: u8) -> &'static str {
    lookup(REASONS, code, "Unknown reason code")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for (n, s) in [
            (0u64, "0"),
            (7, "7"),
            (65535, "65535"),
            (u64::MAX, "18446744073709551615"),
        ] {
            let mut t = String::new();
            push_number(&mut t, n);
            assert_eq!(t, s);
        }
    }

    #[test]
    fn refusals_have_reasons_in_both_versions() {
        assert_eq!(
            connack_reason(4, false),
            "Connection refused: bad user name or password"
        );
        assert_eq!(
            connack_reason(0x86, true),
            "Connection refused: bad user name or password"
        );
        assert!(is_bad_credentials(5, false) && is_bad_credentials(0x86, true));
        assert_eq!(connack_reason(0, false), "Connection accepted");
        assert_eq!(
            connack_reason(6, false),
            "Connection refused: unknown return code"
        );
        assert_eq!(
            connack_reason(0x9F, true),
            "Connection refused: connection rate exceeded"
        );
        assert_eq!(
            connack_reason(0x8B, true),
            "Connection refused: unknown reason code"
        );
        assert!(!is_bad_credentials(3, false) && !is_bad_credentials(0x88, true));
    }

    #[test]
    fn reason_texts_from_first_to_last_and_unknown() {
        assert_eq!(reason_text(0x00), "Success");
        assert_eq!(reason_text(0x04), "Disconnect with will message");
        assert_eq!(reason_text(0x8E), "Session taken over");
        assert_eq!(reason_text(0xA2), "Wildcard subscriptions not supported");
        assert_eq!(reason_text(0x05), "Unknown reason code");
        assert_eq!(reason_text(0xFF), "Unknown reason code");
    }
}
