'use strict';
/**
 * KNOWN_OPEN: mpmqtt bugs the differential test has found and that are not fixed yet.
 *
 * Each entry recognises its divergence (`matches(diff, conv)`, diff from compare.js with
 * a = MQTT.js, b = mpmqtt) and names a regression case in tests/differential/regressions/
 * whose `bug` is the entry's id. tests/js/differential/differential.test.js FAILS when an
 * entry's regression no longer diverges: once a fix lands, delete the entry here (the
 * regression case then has to agree with MQTT.js, which keeps the fix tested) and move the
 * line in docs/compat.md from "open" to "fixed".
 */
const KNOWN_OPEN = [];

module.exports = { KNOWN_OPEN };
