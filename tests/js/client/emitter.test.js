'use strict'
const test = require('node:test')
const assert = require('node:assert')
const EventEmitter = require('../../../js-glue/client/emitter')

test('on/emit/once/off/listenerCount/listeners', () => {
  const e = new EventEmitter()
  const seen = []
  const a = (x, y) => seen.push(['a', x, y])
  const b = (x) => seen.push(['b', x])
  e.on('ev', a).once('ev', b)
  assert.strictEqual(e.listenerCount('ev'), 2)
  assert.deepStrictEqual(e.listeners('ev'), [a, b])
  assert.strictEqual(e.emit('ev', 1, 2), true)
  assert.strictEqual(e.emit('ev', 3), true)
  assert.deepStrictEqual(seen, [['a', 1, 2], ['b', 1], ['a', 3, undefined]])
  e.off('ev', a)
  assert.strictEqual(e.emit('ev'), false)
  assert.deepStrictEqual(e.eventNames(), [])
  e.once('x', b)
  e.removeListener('x', b) // by the original function
  assert.strictEqual(e.listenerCount('x'), 0)
  assert.strictEqual(e.setMaxListeners(50), e)
  assert.throws(() => e.on('x', 'nope'), TypeError)
})

test('removing listeners during emit does not skip the others', () => {
  const e = new EventEmitter()
  const seen = []
  const first = () => { seen.push(1); e.removeListener('ev', first); e.removeListener('ev', second) }
  const second = () => seen.push(2)
  e.on('ev', first)
  e.on('ev', second)
  e.emit('ev')
  assert.deepStrictEqual(seen, [1, 2])
  e.emit('ev')
  assert.deepStrictEqual(seen, [1, 2])
})

test('removeAllListeners; unhandled error throws', () => {
  const e = new EventEmitter()
  e.on('a', () => {}).on('b', () => {})
  e.removeAllListeners('a')
  assert.deepStrictEqual(e.eventNames(), ['b'])
  e.removeAllListeners()
  assert.deepStrictEqual(e.eventNames(), [])
  const err = new Error('boom')
  assert.throws(() => e.emit('error', err), /boom/)
  e.on('error', () => {})
  assert.strictEqual(e.emit('error', err), true)
})
