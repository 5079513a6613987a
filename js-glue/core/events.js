'use strict'
// The core's events as the glue reads them (docs/core-interface.md): the kinds
// Core.poll_event() returns, as src/wasm/mod.rs `mod kind` numbers them, and the bits of
// Core.ev_flags() (src/wasm/mod.rs `mq_ev_flags`). tests/js/core/boundary-contract.test.js
// checks both against the Rust side. One constant each, in a module of their own, so the
// bundle inlines the numbers (an object's properties it cannot).
const OPEN_TRANSPORT = 1
const CLOSE_TRANSPORT = 2
const NEED_CREDENTIALS = 3
const CONNECTED = 4
const MESSAGE = 5
const OP_DONE = 6
const OP_FAILED = 7
const RECONNECTING = 8
const CLOSED = 9
const ERROR = 10
const SERVER_DISCONNECT = 11
const AUTH = 12
const PACKET_SENT = 13
const PACKET_RECEIVED = 14
const OUTGOING_EMPTY = 15
const ENDED = 16
const DEBUG = 17
const IN_FLIGHT = 18

// ev_flags() of a MESSAGE: the QoS, retain, dup, "the topic is the one ev_topic() returned
// last", "the PUBLISH named its topic by an alias alone", and the packet identifier in the
// high 16 bits; of a CONNECTED: session present.
const FLAG_QOS = 3
const FLAG_RETAIN = 4
const FLAG_DUP = 8
const FLAG_SAME_TOPIC = 16
const FLAG_SESSION_PRESENT = 32
const FLAG_TOPIC_FROM_ALIAS = 64
const MESSAGE_ID_SHIFT = 16

module.exports = {
  OPEN_TRANSPORT, CLOSE_TRANSPORT, NEED_CREDENTIALS, CONNECTED, MESSAGE, OP_DONE, OP_FAILED, RECONNECTING, CLOSED, ERROR, SERVER_DISCONNECT, AUTH, PACKET_SENT, PACKET_RECEIVED, OUTGOING_EMPTY, ENDED, DEBUG, IN_FLIGHT,
  FLAG_QOS, FLAG_RETAIN, FLAG_DUP, FLAG_SAME_TOPIC, FLAG_SESSION_PRESENT, FLAG_TOPIC_FROM_ALIAS, MESSAGE_ID_SHIFT
}
