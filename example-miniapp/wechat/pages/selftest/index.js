// Self-test for real phones: runs example-miniapp/selftest/checklist.js (copied to
// utils/checklist.js) against a broker and shows PASS/FAIL per line. mpmqtt comes from
// WeChat's npm build (miniprogram_npm/mpmqtt), as a page that `npm install`s it gets it.
const mqtt = require('mpmqtt')
const { selfTestPage } = require('../../utils/checklist.js')

Page(selfTestPage({
  mqtt,
  platform: 'wx',
  api: wx,
  engine: typeof WXWebAssembly !== 'undefined' ? WXWebAssembly : undefined,
  label: 'WeChat',
  copy: (text) => wx.setClipboardData({ data: text })
}))
