'use strict';
// The boundary sweep (./sweep.js) with the wasm2js core (mqtt.fallback.js): a file of its own
// because Node keeps the first core it loads for the whole process.
const test = require('node:test');
const { registerSweep } = require('./sweep');
const { distMissing } = require('./drivers');

registerSweep(test, 'fallback', distMissing());
