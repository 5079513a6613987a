'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { main, parseArgs } = require('../../support/demo');
const { EXAMPLES, MQTTJS4_DIST, REPO } = require('../../support/page');

function copyExamples() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-demo-test-'));
  fs.cpSync(EXAMPLES, dir, { recursive: true, filter: (src) => !/[\\/]utils[\\/]mqtt/.test(src) });
  return dir;
}

test('demo arguments', () => {
  assert.strictEqual(parseArgs(['--broker', 'ws://127.0.0.1:1/mqtt']).broker, 'ws://127.0.0.1:1/mqtt');
  assert.throws(() => parseArgs(['--broker', 'mqtt://x']), /ws:\/\//);
  assert.throws(() => parseArgs(['--bogus']), /unknown argument/);
});

test('demo reports failure (exit 1) and names the step when the library cannot do the job', async () => {
  // MQTT.js 4.2.1 never calls end()'s callback on WeChat (#1830) and cannot open an Alipay socket.
  const dir = copyExamples();
  const lines = [];
  try {
    const code = await main(['--dist', MQTTJS4_DIST, '--timeout', '1500'], (l) => lines.push(l), { examplesDir: dir });
    assert.strictEqual(code, 1);
    const text = lines.join('\n');
    assert.match(text, /\[broker\] .*Aliyun HMAC-SHA1 signature valid/);
    assert.match(text, /\[wechat\] message on \/a1X2bEnP82z\/example1\/user\/get: hello/);
    assert.match(text, /wechat +FAIL .*unsubscribe ok, end FAILED/);
    assert.match(text, /alipay +FAIL .*connect FAILED/);
    assert.match(text, /connectSocket error 8/);
    assert.match(text, /demo FAILED/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const DIST = path.join(REPO, 'dist');
test('demo passes on our dist', { skip: !fs.existsSync(path.join(DIST, 'mqtt.min.js')) && 'dist/ not built yet' }, async () => {
  const dir = copyExamples();
  const lines = [];
  try {
    const code = await main(['--dist', DIST], (l) => lines.push(l), { examplesDir: dir });
    assert.strictEqual(code, 0, lines.join('\n'));
    assert.match(lines.join('\n'), /Easemob user token valid/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
