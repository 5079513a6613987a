'use strict'
// The glue's layers (docs/architecture.md): client/ (MQTT.js' API) sits on core/ (the wasm
// boundary) and platform/ (wx, my, WebSocket); shared/ is below all three. Imports run one
// way, and the client layer never asks which platform it runs on.
const test = require('node:test')
const assert = require('node:assert')
const fs = require('fs')
const path = require('path')

const GLUE = path.resolve(__dirname, '../../../js-glue')

/** Every .js file under js-glue as {file (relative), source}. */
function glueFiles () {
  const out = []
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (/\.(m?js)$/.test(entry.name)) out.push({ file: path.relative(GLUE, full), source: fs.readFileSync(full, 'utf8') })
    }
  }
  walk(GLUE)
  return out
}

/** Which top-level folder of js-glue a relative path is in ('' for the root files). */
const layerOf = (file) => (file.includes(path.sep) ? file.split(path.sep)[0] : '')

// What each layer may import from; the root files (index.js, core-loader.js, build-flags.js)
// are the entry and the wiring, free to import any layer.
const ALLOWED = {
  shared: ['shared'],
  shims: ['shims', 'shared'],
  core: ['core', 'shared', ''], // '': build-flags.js, which the bundler turns into constants
  platform: ['platform', 'shared', ''],
  client: ['client', 'core', 'platform', 'shared', '']
}

/** Imports that run the wrong way, as "from -> to" lines. */
function layerViolations (files) {
  const out = []
  for (const { file, source } of files) {
    const allowed = ALLOWED[layerOf(file)]
    if (!allowed) continue
    const specs = Array.from(source.matchAll(/\brequire\(\s*['"](\.[^'"]*)['"]\s*\)|\bfrom\s+['"](\.[^'"]*)['"]/g), (m) => m[1] || m[2])
    for (const spec of specs) {
      const target = path.relative(GLUE, path.resolve(GLUE, path.dirname(file), spec))
      if (target.startsWith('..')) continue // outside js-glue: build outputs the bundler maps
      if (target.replace(/\.js$/, '') === 'build-flags') continue // the build's constants, for every layer (docs/architecture.md)
      if (!allowed.includes(layerOf(target))) out.push(file + ' -> ' + target)
    }
  }
  return out
}

test('imports run one way: nothing below the client layer imports from it', () => {
  const files = glueFiles()
  assert.ok(files.some((f) => f.file === path.join('core', 'flat-core.js')), 'the walk found the glue')
  assert.deepStrictEqual(layerViolations(files), [])
})

test('the layering check catches an import from client/ in core/, platform/ or shared/', () => {
  const bad = [
    { file: path.join('core', 'x.js'), source: "const utf8 = require('../client/utf8')" },
    { file: path.join('platform', 'y.js'), source: "const { toError } = require('../client/errors');" },
    { file: path.join('shared', 'z.js'), source: "import { a } from '../core/events.js'" },
    { file: path.join('client', 'ok.js'), source: "const c = require('../core/flat-core')" }
  ]
  assert.deepStrictEqual(layerViolations(bad), [
    path.join('core', 'x.js') + ' -> ' + path.join('client', 'utf8'),
    path.join('platform', 'y.js') + ' -> ' + path.join('client', 'errors'),
    path.join('shared', 'z.js') + ' -> ' + path.join('core', 'events.js')
  ])
})

test('the client layer names no platform: platform differences go through the platform interface', () => {
  const asks = /\bname\s*[!=]==?\s*['"](wx|my|websocket)['"]|['"](wx|my|websocket)['"]\s*[!=]==?\s*[\w.]*\bname\b/
  const offenders = glueFiles().filter((f) => (layerOf(f.file) === 'client' || f.file === 'index.js') && asks.test(f.source)).map((f) => f.file)
  assert.deepStrictEqual(offenders, [])
  assert.ok(asks.test("platform && (platform.name === 'wx' || platform.name === 'my')"), 'the pattern finds the old check')
})
