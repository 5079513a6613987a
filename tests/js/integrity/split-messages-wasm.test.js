'use strict';
// 2 MiB payloads in WebSocket messages of varied sizes (./split-messages.js), WebAssembly
// cores: the Node build (the in-place input of issue #23) and the WeChat build (without it).
const test = require('node:test');
const { registerSplitMessages } = require('./split-messages');
const { distMissing } = require('./drivers');

registerSplitMessages(test, 'wasm', ['node', 'wx'], distMissing());
