'use strict';
/**
 * Constants scripts/bundle.js sets per build (esbuild `define`), so the bundle leaves out
 * what the build cannot use. Unbundled (Node, the tests) everything is kept.
 */

/* global MPMQTT_CLOUD_SIGNING */
// False when the bundled core has no cloud signers (dist/, dist/wx/, dist/my/; the files of
// dist/clouds/ have them): the signing paths of client/clouds.js and the platforms' HTTP
// request and random bytes, which only the signing clouds use, are then left out.
const CLOUD_SIGNING = typeof MPMQTT_CLOUD_SIGNING === 'undefined' || MPMQTT_CLOUD_SIGNING;

/* global MPMQTT_ID_PROVIDER */
// False in the one-platform builds (dist/wx, dist/my): MQTT.js' `messageIdProvider` option is
// then refused by name (client/extras-absent.js) and its paths in client/outgoing.js left out.
const ID_PROVIDER = typeof MPMQTT_ID_PROVIDER === 'undefined' || MPMQTT_ID_PROVIDER;

/* global MPMQTT_PACKET_RECORDS */
// False in the WeChat build (dist/wx), whose core describes no packet (Cargo.toml
// `packet-records`): packetsend/packetreceive then carry `{cmd}` named from the packet type.
const PACKET_RECORDS = typeof MPMQTT_PACKET_RECORDS === 'undefined' || MPMQTT_PACKET_RECORDS;

/* global MPMQTT_INPUT_IN_PLACE */
// False in the WeChat build (dist/wx), whose core writes no received bytes into a packet's
// buffer (Cargo.toml `input-in-place`): core/flat-core.js then hands each WebSocket message
// over in a buffer of its own, as that core takes it.
const INPUT_IN_PLACE = typeof MPMQTT_INPUT_IN_PLACE === 'undefined' || MPMQTT_INPUT_IN_PLACE;

/* global MPMQTT_KEPT_PAYLOADS */
// False in the WeChat build (dist/wx), whose core copies every payload into linear memory
// (Cargo.toml `splice-payloads`): js-glue/core/flat-core.js then keeps none in JS.
const KEPT_PAYLOADS = typeof MPMQTT_KEPT_PAYLOADS === 'undefined' || MPMQTT_KEPT_PAYLOADS;

/* global MPMQTT_HELD_ACKS */
// False in the WeChat build (dist/wx), held to a hard size limit: publish callbacks decoded
// with the one that called end(true) are then called at once, as MQTT.js calls them, instead
// of waiting for the reconnection (client/held-acks.js, docs/compat.md).
const HELD_ACKS = typeof MPMQTT_HELD_ACKS === 'undefined' || MPMQTT_HELD_ACKS;

/* global MPMQTT_STORED_ALIAS_TOPICS */
// False in the WeChat build (dist/wx), held to a hard size limit, whose core does not resolve
// them (Cargo.toml `stored-alias-topics`): a publish given a Topic Alias then goes into a
// page's outgoing store as given, an alias alone with the topic '' (client/outgoing.js,
// docs/compat.md).
const STORED_ALIAS_TOPICS = typeof MPMQTT_STORED_ALIAS_TOPICS === 'undefined' || MPMQTT_STORED_ALIAS_TOPICS;

module.exports = { CLOUD_SIGNING, ID_PROVIDER, PACKET_RECORDS, INPUT_IN_PLACE, KEPT_PAYLOADS, HELD_ACKS, STORED_ALIAS_TOPICS };
