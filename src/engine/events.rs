//! What the engine tells its driver. Reason codes travel as numbers; the glue words them
//! as MQTT.js does, from the one table MQTT.js pages already read (`mqtt.ReasonCodes`).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::codec::{
    AckProperties, AuthProperties, ConnAckProperties, DisconnectProperties, Packet,
};

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
    pub properties: Option<Box<AckProperties>>,
}

/// Large parts are boxed (the message, property sets): an event is moved several times
/// between the engine and the driver, each move a copy of the whole enum (issue #23).
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
        properties: Option<Box<ConnAckProperties>>,
    },
    /// `true` when the PUBLISH named its topic by a topic alias alone (MQTT.js then leaves
    /// its `packet.topic` empty); the message's topic is the one the alias stands for.
    Message(Box<Message>, bool),
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
        properties: Option<Box<DisconnectProperties>>,
    },
    /// v5 AUTH from the broker.
    Auth {
        reason: u8,
        properties: Option<Box<AuthProperties>>,
    },
    /// A packet written (topic alias applied), as the driver's `PacketDescriber` described
    /// it. Only while packet events are on.
    PacketSent {
        packet_type: u8,
        description: Vec<u8>,
        /// A PUBLISH's payload the driver keeps: the description has it empty, and the
        /// driver shows its own bytes.
        external: Option<super::ExternalPayload>,
    },
    /// A packet read, described before it is acted on. Only while packet events are on.
    PacketReceived {
        packet_type: u8,
        description: Vec<u8>,
    },
    /// A QoS 1/2 PUBLISH of ours got its packet id (`released` false), or the broker
    /// received a QoS 2 one (PUBREC, `released` true): the page's outgoing store takes the
    /// PUBLISH, or its PUBREL in its place, as in MQTT.js. Before the packet is written.
    InFlight {
        op: OpId,
        message_id: u16,
        released: bool,
        /// For a PUBLISH naming its topic by a Topic Alias alone, given its id at the call
        /// (for the page's store): the topic the alias stands for where it goes out, as the
        /// store keeps it (an alias is for one connection [MQTT-3.3.2-12], the store for
        /// later ones); empty otherwise or when unknown.
        topic: String,
    },
    /// Nothing left in flight or queued (MQTT.js `outgoingEmpty`).
    OutgoingEmpty,
    /// The client finished (MQTT.js `end`).
    Ended,
    /// Something worth a line in the page's debug log (MQTT.js' `log` option), nothing more.
    Debug {
        text: String,
    },
}

/// How the driver wants packets described in PACKET_SENT / PACKET_RECEIVED: called with the
/// packet's type, the packet (`None` for one a broker must not send, refused unread), its
/// remaining length when received (`None` when sent) and whether the session speaks MQTT 5.
/// A function rather than a copy of the packet in the event: the engine copies nothing, and
/// the driver decides the form (the wasm core writes what the glue emits, js-glue shows it).
pub type PacketDescriber = fn(u8, Option<&Packet>, Option<u32>, bool) -> Vec<u8>;

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

/// Whether a refusal means the credentials are wrong (a provider gets one refresh).
pub fn is_bad_credentials(code: u8, v5: bool) -> bool {
    if v5 {
        matches!(code, 0x86 | 0x87)
    } else {
        matches!(code, 4 | 5)
    }
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
    fn only_credential_refusals_get_a_fresh_attempt() {
        assert!(is_bad_credentials(4, false) && is_bad_credentials(5, false));
        assert!(is_bad_credentials(0x86, true) && is_bad_credentials(0x87, true));
        assert!(!is_bad_credentials(3, false) && !is_bad_credentials(0x88, true));
        assert!(!is_bad_credentials(0x86, false) && !is_bad_credentials(5, true));
    }
}
