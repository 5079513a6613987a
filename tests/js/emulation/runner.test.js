'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { runPage } = require('../../emulation/runner');
const { tempProject } = require('./helpers');

const PROJECT = {
  'project.config.json': '{}',
  'app.json': '{"pages":["pages/index/index"]}',
  'app.js': `App({ globalData: { launched: 0 }, onLaunch() { this.globalData.launched++; console.log('app launch') }, onHide() { console.log('app hide') } })`,
  'utils/cjs.js': `exports.twice = function (x) { return x * 2 }`,
  'utils/esm.js': `export const three = 3; export default function hello(n) { return 'hello ' + n }`,
  'pages/index/index.wxml': `<button bindtap="inc">+</button>`,
  'pages/index/index.js': `
    import hello, { three } from '../../utils/esm.js'
    const cjs = require('../../utils/cjs.js')
    Page({
      data: { n: 0, list: [{ v: 1 }], nested: { a: 1 } },
      onLoad(q) { this.setData({ n: cjs.twice(three), greeting: hello(q.who) }) },
      onHide() { console.log('page hide', typeof window, typeof WebSocket) },
      inc(e) { this.setData({ n: this.data.n + 1, 'list[0].v': 5, 'nested.b': e.type }) },
      notInTemplate() {},
      escape() { return require('../../../outside.js') },
      launched() { return getApp().globalData.launched },
    })`,
};

test('runPage: App/Page lifecycle, CJS and ESM modules, setData paths and history, tap checked against the template', async () => {
  const root = tempProject(PROJECT);
  const page = await runPage(root, 'pages/index/index', { query: { who: 'page' }, hideCloseDelay: 10 });
  try {
    assert.strictEqual(page.platform, 'wx');
    assert.strictEqual(page.data.n, 6);
    assert.strictEqual(page.data.greeting, 'hello page');
    assert.strictEqual(page.call('launched'), 1);
    page.tap('inc');
    assert.strictEqual(page.data.n, 7);
    assert.strictEqual(page.data.list[0].v, 5);
    assert.deepStrictEqual({ ...page.data.nested }, { a: 1, b: 'tap' });
    assert.deepStrictEqual(page.history.map((h) => h.patch), [
      { n: 6, greeting: 'hello page' },
      { n: 7, 'list[0].v': 5, 'nested.b': 'tap' },
    ]);
    assert.throws(() => page.tap('notInTemplate'), /no tap handler "notInTemplate"/);
    assert.throws(() => page.call('escape'), /is not defined/);
    page.hide();
    assert.deepStrictEqual(page.console.map((e) => e.text), ['app launch', 'page hide undefined undefined', 'app hide']);
  } finally {
    page.close();
  }
});

test('runPage: the Alipay project type is detected and gets my, not wx', async () => {
  const root = tempProject({
    'mini.project.json': '{}',
    'app.json': '{"pages":["pages/index/index"],"behavior":{"connectSocketDefaultMultiple":true}}',
    'pages/index/index.axml': `<button onTap="go">go</button>`,
    'pages/index/index.js': `Page({ data: {}, onLoad() { this.setData({ kinds: [typeof my, typeof wx, typeof WXWebAssembly, typeof WebAssembly].join() }) },
      go() { this.setData({ task: typeof my.connectSocket({ url: 'wss://x/', header: { 'Sec-WebSocket-Protocol': 'mqtt' } }) }) } })`,
  });
  const page = await runPage(root, 'pages/index/index', { rewrite: { 'wss://x': 'ws://127.0.0.1:9' } });
  try {
    assert.strictEqual(page.data.kinds, 'object,undefined,undefined,object');
    page.tap('go');
    assert.strictEqual(page.data.task, 'object', 'connectSocketDefaultMultiple makes connectSocket return a SocketTask');
  } finally {
    page.close();
  }
});
