'use strict';
// The mini-program platforms explain a failed plain ws:// connection (their socket APIs take
// wss:// only); the client appends what the platform says (docs/platform-interface.md).
const test = require('node:test');
const assert = require('node:assert');
const { createWxPlatform } = require('../../../js-glue/platform/wx');
const { createMyPlatform } = require('../../../js-glue/platform/my');
const { createWebSocketPlatform } = require('../../../js-glue/platform/websocket');
const { fakeWx, fakeMy } = require('./helpers');

const HINT = ' (mini-programs only connect to wss://: use wxs:// on WeChat or alis:// on Alipay, and register the domain)';

test('wx and my hint at wss:// for a ws:// URL, whatever its case, and for nothing else', () => {
  for (const platform of [createWxPlatform({ wx: fakeWx() }), createMyPlatform({ my: fakeMy() })]) {
    for (const url of ['ws://h/mqtt', 'WS://h', 'Ws://h:80/']) assert.strictEqual(platform.connectionFailedHint(url), HINT, platform.name + ' ' + url);
    for (const url of ['wss://h/mqtt', 'WSS://h', '', undefined, 'http://h', 'x ws://h']) assert.strictEqual(platform.connectionFailedHint(url), '', platform.name + ' ' + url);
  }
});

test('the WebSocket platform has no hint: browsers and Node take ws:// too', () => {
  assert.strictEqual(createWebSocketPlatform({}).connectionFailedHint, undefined);
});
