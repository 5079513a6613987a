'use strict'
// Helpers every layer of the glue uses (client, core, platform): nothing here knows MQTT.js.

/** An Error for whatever was thrown. */
function toError (e) {
  return e instanceof Error ? e : new Error(String(e))
}

module.exports = { toError }
