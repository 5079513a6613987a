'use strict';
/**
 * A throw-away mini-program (WeChat or Alipay) whose page connects with the shipped bundle and
 * records every client event into page data, for the lifecycle tests in the emulators
 * (tests/emulation). The page takes the broker URL and client options from its query.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { installDist } = require('../support/page');
const { runPage } = require('../emulation/runner');
const { REPO } = require('./harness');

const PAGE = `
var mqtt = require('../../utils/mqtt.min.js');
Page({
  data: { events: [] },
  onLoad: function (query) {
    var self = this;
    var opts = JSON.parse(query.opts || '{}');
    var client = mqtt.connect(query.url, opts);
    self.client = client;
    ['connect', 'reconnect', 'close', 'offline', 'error', 'end'].forEach(function (name) {
      client.on(name, function (arg) {
        var e = { name: name, at: Date.now() };
        if (arg && arg.message) { e.message = arg.message; e.code = arg.code; }
        self.setData({ events: self.data.events.concat([e]) });
      });
    });
  },
  onUnload: function () {
    if (this.client) this.client.end(true);
  }
});
`;

const dirs = new Set();
process.on('exit', () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function makeProject(platform) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mpmqtt-rel-${platform}-`));
  dirs.add(dir);
  fs.mkdirSync(path.join(dir, 'pages', 'index'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'pages', 'index', 'index.js'), PAGE);
  if (platform === 'wx') {
    fs.writeFileSync(path.join(dir, 'project.config.json'), JSON.stringify({ compileType: 'miniprogram' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'] }));
  } else {
    fs.writeFileSync(path.join(dir, 'mini.project.json'), JSON.stringify({ format: 2, compileType: 'mini' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'], behavior: { connectSocketDefaultMultiple: true } }));
  }
  installDist(path.join(REPO, 'dist'), dir);
  return dir;
}

/**
 * Runs the recording page. `url` is what the page passes to mqtt.connect; `rewrite` maps the
 * page's wss:// origin onto a loopback ws:// one (the emulators accept only wss, like the
 * platforms).
 * @returns {Promise<object>} the runPage handle, plus `events(name?)`
 */
async function runRecordingPage(platform, { url, opts, rewrite, hideCloseDelay = 300 }) {
  const page = await runPage(makeProject(platform), 'pages/index/index', {
    rewrite,
    hideCloseDelay,
    query: { url, opts: JSON.stringify(opts || {}) },
  });
  page.events = (name) => Array.from(page.data.events).filter((e) => !name || e.name === name).map((e) => Object.assign({}, e));
  return page;
}

module.exports = { runRecordingPage };
