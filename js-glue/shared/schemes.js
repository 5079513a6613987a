'use strict'
// Broker URL scheme → the scheme of the socket URL. wx/ali exist because MQTT.js picked a
// transport from the scheme; here the platform is detected, so they are aliases. The
// universal build adds MQTT.js' TCP schemes for Node (js-glue/platform/node-tcp.js).
const SCHEMES = { wss: 'wss', ws: 'ws', wxs: 'wss', wx: 'ws', alis: 'wss', ali: 'ws' }
// The scheme of options without one: MQTT.js takes the first it can open, `mqtt` in Node
// (node-tcp.js sets it there), `ws` elsewhere.
const DEFAULT_SCHEME = { protocol: 'ws' }

module.exports = { SCHEMES, DEFAULT_SCHEME }
