// Self-test for real phones: runs example-miniapp/selftest/checklist.js (copied to
// utils/checklist.js) against a broker and shows PASS/FAIL per line. mpmqtt comes from
// utils/ (dist/my/mqtt.min.js with mqtt.wasm.js and mqtt.fallback.js beside it).
const mqtt = require('../../utils/mqtt.min.js')
const { runChecklist, report, DEFAULT_BROKER } = require('../../utils/checklist.js')

Page({
  data: { url: DEFAULT_BROKER, running: false, lines: [], hint: '', report: '' },

  onLoad(query) {
    this.hidden = false
    this.shown = []
    if (query && query.url) this.setData({ url: decodeURIComponent(query.url) })
    if (query && query.autorun) this.start()
  },

  onHide() {
    this.hidden = true
  },

  onShow() {
    if (!this.hidden) return
    this.hidden = false
    const waiting = this.shown
    this.shown = []
    waiting.forEach((resolve) => resolve())
  },

  onUrlInput(e) {
    this.setData({ url: e.detail.value })
  },

  start() {
    if (this.data.running) return
    const lines = []
    this.setData({ running: true, lines: [], report: '', hint: '' })
    runChecklist({
      mqtt,
      platform: 'my',
      api: my,
      engine: typeof WebAssembly !== 'undefined' ? WebAssembly : undefined,
      url: this.data.url,
      onLine: (line) => {
        if (lines.indexOf(line) < 0) lines.push(line)
        const hideShow = line.name === 'app hide/show' && line.state === 'RUN'
        this.setData({ lines: lines.map((l) => Object.assign({}, l)), hint: hideShow ? 'Now switch to another app and come back' : '' })
      },
      hideShow: () => new Promise((resolve) => this.shown.push(resolve))
    }).then((done) => {
      const text = report(done, 'Alipay ' + this.data.url)
      console.log(text)
      this.setData({ running: false, hint: '', report: text })
    })
  },

  copy() {
    if (!this.data.report) return
    my.setClipboard({ text: this.data.report })
  }
})
