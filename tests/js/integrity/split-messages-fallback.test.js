'use strict';
// 2 MiB payloads in WebSocket messages of varied sizes (./split-messages.js), the wasm2js
// fallback core (its own process: Node loads one core per process).
const test = require('node:test');
const { registerSplitMessages } = require('./split-messages');
const { distMissing } = require('./drivers');

registerSplitMessages(test, 'fallback', ['node'], distMissing());
