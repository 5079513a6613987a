'use strict'
// Event kinds of Core.poll_event() (docs/core-interface.md). One constant each, in a module
// of their own, so the bundle inlines the numbers (an object's properties it cannot).
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

module.exports = { OPEN_TRANSPORT, CLOSE_TRANSPORT, NEED_CREDENTIALS, CONNECTED, MESSAGE, OP_DONE, OP_FAILED, RECONNECTING, CLOSED, ERROR, SERVER_DISCONNECT, AUTH, PACKET_SENT, PACKET_RECEIVED, OUTGOING_EMPTY, ENDED, DEBUG }
