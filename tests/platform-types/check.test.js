'use strict';
/**
 * The typings check can fail: a copy of js-glue with one option misspelt or one argument in the
 * wrong shape must fail it, in the module and line of the break, for every platform whose
 * typings cover that call. The unbroken copy passes (so each failure is the break's).
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { checkPlatform, PLATFORMS } = require('./check');

const GLUE = path.resolve(__dirname, '..', '..', 'js-glue');

/** [what, module, text in it, replacement, platforms that must fail] */
const BREAKS = [
  ['connectSocket option misspelt (protocols -> protocol)', 'wx.js', "      protocols: so.protocols || ['mqtt'],", "      protocol: so.protocols || ['mqtt'],", ['wx']],
  ['wsOptions key misspelt (tcpNoDelay -> tcpNodelay)', 'wx.js', "'tcpNoDelay', 'perMessageDeflate']", "'tcpNodelay', 'perMessageDeflate']", ['wx']],
  ['SocketTask.close given (code, reason) instead of {code, reason}', 'wx.js', '          task.close({ code: c, reason: r });', '          task.close(c, r);', ['wx']],
  ['request dataType value misspelt (arraybuffer -> arrayBuffer)', 'my.js', "params.dataType = 'arraybuffer';", "params.dataType = 'arrayBuffer';", ['my']],
  ['Alipay connectSocket option misspelt (multiple -> multi)', 'my.js', 'multiple: true, protocols', 'multi: true, protocols', ['my']],
  ['Alipay send given bytes instead of base64 text', 'my.js', '          data: base64.encode(bytes),', '          data: bytes,', ['my']],
  ['connectSocket option misspelt (protocols -> protocol)', 'socket-task.js', "      protocols: so.protocols || ['mqtt'],", "      protocol: so.protocols || ['mqtt'],", ['tt', 'uni', 'taro']],
  ['SocketTask.send given a Uint8Array instead of an ArrayBuffer', 'socket-task.js', '          data: exactArrayBuffer(bytes),', '          data: bytes,', ['tt', 'uni', 'taro']],
  ['request option misspelt (header -> headers)', 'socket-task.js', '        header: body.headers,', '        headers: body.headers,', ['tt', 'uni', 'taro']],
  ['ByteDance wsOptions key misspelt (timeout -> timeOut)', 'runtimes.js', "(['timeout'])],", "(['timeOut'])],", ['tt']],
  ['mqtt-store on WeChat: setStorageSync given Alipay\'s {key, data}', '../store/wx-storage.js', '    set: (key, text) => wx.setStorageSync(key, text)', '    set: (key, text) => wx.setStorageSync({ key, data: text })', ['wx']],
  ['mqtt-store on Alipay: getStorageSync given the key alone (WeChat\'s shape)', '../store/my-storage.js', '    get: (key) => (my.getStorageSync({ key }) || { data: null }).data,', '    get: (key) => (my.getStorageSync(key) || { data: null }).data,', ['my']],
  ['lifecycle event misspelt (NetworkStatusChange -> NetworkChange)', 'common.js', '    NetworkStatusChange: (res) => {', '    NetworkChange: (res) => {', PLATFORMS],
];

function copyGlue() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-platform-types-'));
  fs.cpSync(GLUE, path.join(dir, 'js-glue'), { recursive: true });
  return { dir, root: path.join(dir, 'js-glue', 'platform') };
}

test('the unbroken copy passes every platform (the control)', () => {
  const { dir, root } = copyGlue();
  try {
    for (const platform of PLATFORMS) assert.deepStrictEqual(checkPlatform(platform, { root }).errors, [], platform);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const [what, file, text, replacement, failing] of BREAKS) {
  test(file + ': ' + what + ' fails ' + failing.join(', '), () => {
    const { dir, root } = copyGlue();
    try {
      const target = path.join(root, file);
      const source = fs.readFileSync(target, 'utf8');
      assert.strictEqual(source.split(text).length, 2, 'the text to break occurs once in ' + file + ': ' + text);
      fs.writeFileSync(target, source.replace(text, replacement));
      const line = source.slice(0, source.indexOf(text)).split('\n').length;
      for (const platform of failing) {
        const { errors } = checkPlatform(platform, { root });
        const here = errors.filter((e) => e.includes(path.basename(file) + ':'));
        assert.ok(here.length > 0, platform + ' must fail in ' + file + ' (line ' + line + '); errors: ' + JSON.stringify(errors));
        assert.ok(here.some((e) => Math.abs(Number(/:(\d+):/.exec(e)[1]) - line) <= 1), platform + ': an error at the break (line ' + line + '): ' + JSON.stringify(here));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
