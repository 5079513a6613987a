// Self-test for real phones: runs example-miniapp/selftest/checklist.js (copied to
// utils/checklist.js) against a broker and shows PASS/FAIL per line. mpmqtt comes from
// utils/ (dist/my/mqtt.min.js with mqtt.wasm.js and mqtt.fallback.js beside it).
const mqtt = require('../../utils/mqtt.min.js')
const { selfTestPage } = require('../../utils/checklist.js')

Page(selfTestPage({
  mqtt,
  platform: 'my',
  api: my,
  engine: typeof WebAssembly !== 'undefined' ? WebAssembly : undefined,
  label: 'Alipay',
  copy: (text) => my.setClipboard({ text })
}))
