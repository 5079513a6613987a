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

module.exports = { CLOUD_SIGNING };
