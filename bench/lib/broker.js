'use strict';
/**
 * The benchmarks' own Mosquitto, on 127.0.0.1 with the load-test settings measured in
 * /work/shared/notes/brokers.md: no queue limit (a QoS 1/2 subscriber never loses messages
 * to a full queue), 100 in flight per client, Nagle off, nothing persisted.
 */
const { startMosquitto } = require('../../tests/support/mosquitto');

const LOAD_TEST_CONFIG = ['max_queued_messages 0', 'max_inflight_messages 100', 'set_tcp_nodelay true'].join('\n');

function startBroker() {
  return startMosquitto({ websockets: true, persistence: false, extraConfig: LOAD_TEST_CONFIG });
}

module.exports = { startBroker, LOAD_TEST_CONFIG };
