'use strict';
/**
 * A throw-away mini-program (WeChat or Alipay) whose page connects with the shipped bundle and
 * records every client event into page data, for the lifecycle tests in the emulators
 * (tests/emulation). The page takes the broker URL and client options from its query.
 */
const { onePageProject } = require('../support/page');
const { runPage } = require('../emulation/runner');

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

function makeProject(platform) {
  return onePageProject(platform, PAGE, 'mpmqtt-rel').dir;
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
