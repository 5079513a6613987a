'use strict';
// The boundary sweep (./sweep.js) with the WebAssembly core: every Remaining Length boundary
// and payloads past 2 MiB, both directions, Node ws / WeChat / Alipay SocketTask / Alipay
// legacy socket, byte for byte; v5 Maximum Packet Size at those sizes. MPMQTT_SWEEP=full for
// the whole cross product.
const test = require('node:test');
const { registerSweep } = require('./sweep');
const { distMissing } = require('./drivers');

registerSweep(test, 'wasm', distMissing());
