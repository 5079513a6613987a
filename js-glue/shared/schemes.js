'use strict'
// Broker URL scheme → the scheme of the socket URL. wx/ali exist because MQTT.js picked a
// transport from the scheme; here the platform is detected, so they are aliases. The
// universal build adds MQTT.js' TCP schemes for Node (js-glue/platform/node-tcp.js).
const SCHEMES = { wss: 'wss', ws: 'ws', wxs: 'wss', wx: 'ws', alis: 'wss', ali: 'ws' }

module.exports = { SCHEMES }
