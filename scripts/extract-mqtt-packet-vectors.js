#!/usr/bin/env node
'use strict'
/**
 * Extracts mqtt-packet's own test vectors (node_modules/mqtt-packet/test.js) into
 * tests/fixtures/mqtt_packet_vectors.json, so tests/conformance.rs can check our Rust codec
 * against vectors written by somebody else.
 *
 * test.js is run in a `vm` context where its vector helpers (testParseGenerate, testParseError,
 * ...) are replaced by recorders and `tape` is a no-op, so none of its tests actually run.
 * The output is stable: vectors keep test.js order, object keys keep their order (it matters:
 * mqtt-packet writes v5 properties in the order the object lists them), Buffers become
 * {"$hex": "..."} and bytes are lowercase hex. Two vectors carry 256 MiB of zeros, so a long
 * run of trailing zero bytes is written as a count: {"$hex": prefix, "$zeros": n} in packets,
 * "bytes_zeros": n next to "bytes" in vectors.
 *
 * Usage: node scripts/extract-mqtt-packet-vectors.js [--check]
 *   --check  exit 1 if the committed fixture differs from what would be written.
 */
const fs = require('fs')
const path = require('path')
const vm = require('vm')

const root = path.resolve(__dirname, '..')
const pkgDir = path.join(root, 'node_modules', 'mqtt-packet')
const outFile = path.join(root, 'tests', 'fixtures', 'mqtt_packet_vectors.json')

const HELPERS = [
  'testParseGenerate',
  'testGenerateOnly',
  'testParseOnly',
  'testParseError',
  'testGenerateError',
  'testGenerateErrorMultipleCmds',
  'testParseGenerateDefaults',
  'testParseAndGenerate',
  'testWriteToStreamError'
]

/** Splits a buffer into a hex prefix and a count of trailing zero bytes (0 when short). */
function blob (value) {
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value)
  let end = buffer.length
  while (end > 0 && buffer[end - 1] === 0) end--
  if (buffer.length - end < 256) end = buffer.length
  return { hex: buffer.subarray(0, end).toString('hex'), zeros: buffer.length - end }
}

/** Turns a vector value into JSON-safe data; Buffers become {$hex[, $zeros]}. */
function plain (value) {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const { hex, zeros } = blob(value)
    return zeros ? { $hex: hex, $zeros: zeros } : { $hex: hex }
  }
  if (Array.isArray(value)) return value.map(plain)
  if (value === undefined) return { $undefined: true }
  if (value !== null && typeof value === 'object') {
    const out = {}
    for (const key of Object.keys(value)) out[key] = plain(value[key])
    return out
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) }
  return value
}

/** The vector's wire bytes as fields: bytes (hex) and, for huge zero tails, bytes_zeros. */
function wire (buffer) {
  const { hex, zeros } = blob(buffer)
  return zeros ? { bytes: hex, bytes_zeros: zeros } : { bytes: hex }
}

function version (opts) {
  return opts && opts.protocolVersion ? opts.protocolVersion : 4
}

function extract () {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
  let source = fs.readFileSync(path.join(pkgDir, 'test.js'), 'utf8')
  // Rename the file's own helper definitions so the recorders below take their place.
  for (const name of HELPERS) {
    const decl = new RegExp(`function ${name} \\(`, 'g')
    const count = (source.match(decl) || []).length
    if (count !== 1) throw new Error(`test.js: expected one definition of ${name}, found ${count}`)
    source = source.replace(decl, `function __original_${name} (`)
  }

  const vectors = []
  const record = (kind, name, fields) => vectors.push(Object.assign({ kind, name }, fields))
  const recorders = {
    testParseGenerate: (name, object, buffer, opts) =>
      record('parse_generate', name, { version: version(opts), packet: plain(object), ...wire(buffer) }),
    testGenerateOnly: (name, object, buffer, opts) =>
      record('generate', name, { version: version(opts), packet: plain(object), ...wire(buffer) }),
    testParseOnly: (name, object, buffer, opts) =>
      record('parse', name, { version: version(opts), packet: plain(object), ...wire(buffer) }),
    testParseError: (expected, buffer, opts) =>
      record('parse_error', expected, { version: version(opts), error: expected, ...wire(buffer) }),
    testGenerateError: (expected, object, opts, name) =>
      record('generate_error', name || expected, { version: version(opts), error: expected, packet: plain(object) }),
    testGenerateErrorMultipleCmds: (cmds, expected, fixture, opts) => {
      for (const cmd of cmds) {
        const object = Object.assign({}, fixture, { cmd })
        recorders.testGenerateError(expected, object, opts, `${expected} on ${cmd}`)
      }
    },
    testParseGenerateDefaults: (name, object, buffer, generated, opts) => {
      recorders.testParseOnly(`${name} parse`, generated, buffer, opts)
      recorders.testGenerateOnly(`${name} generate`, object, buffer, opts)
    },
    testParseAndGenerate: (name, object, buffer, opts) => {
      recorders.testParseOnly(`${name} parse`, object, buffer, opts)
      recorders.testGenerateOnly(`${name} generate`, object, buffer, opts)
    },
    testWriteToStreamError: (expected, object) =>
      record('generate_error', `writeToStream ${expected} error`, { version: 4, error: expected, packet: plain(object) })
  }

  const sandboxRequire = (id) => {
    if (id === 'tape') return () => {} // the file's ad-hoc tests are not vectors: skip them
    if (id === './') return require(pkgDir)
    return require(require.resolve(id, { paths: [pkgDir] }))
  }
  const context = vm.createContext(Object.assign({ require: sandboxRequire, Buffer, console, process }, recorders))
  // Top-level function declarations would become context properties and shadow the recorders;
  // they were renamed above, so the calls in test.js resolve to the recorders.
  vm.runInContext(source, context, { filename: 'mqtt-packet/test.js' })

  const names = new Set()
  for (const v of vectors) {
    let unique = v.name
    for (let i = 2; names.has(unique); i++) unique = `${v.name} #${i}`
    names.add(unique)
    v.name = unique
  }
  return { source: `mqtt-packet@${pkg.version} test.js`, generator: 'scripts/extract-mqtt-packet-vectors.js', vectors }
}

function main () {
  const data = extract()
  const text = JSON.stringify(data, null, 1) + '\n'
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : ''
    if (current !== text) {
      console.error(`${path.relative(root, outFile)} is out of date: run node scripts/extract-mqtt-packet-vectors.js`)
      process.exit(1)
    }
    return
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true })
  fs.writeFileSync(outFile, text)
  const byKind = {}
  let v5 = 0
  for (const v of data.vectors) {
    byKind[v.kind] = (byKind[v.kind] || 0) + 1
    if (v.version === 5) v5++
  }
  console.log(`${data.vectors.length} vectors (${v5} MQTT 5) from ${data.source}:`, byKind)
}

main()
