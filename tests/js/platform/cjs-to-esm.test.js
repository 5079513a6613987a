'use strict';
// scripts/cjs-to-esm.js: the bundle hoists js-glue only while every module keeps the forms
// the rewrite knows; a module it leaves as CommonJS still works but costs a wrapper.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { toEsm } = require('../../../scripts/cjs-to-esm');

const GLUE = path.join(__dirname, '..', '..', '..', 'js-glue');

function glueFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return glueFiles(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

test('every js-glue module is rewritten to an ES module', () => {
  for (const file of glueFiles(GLUE)) {
    const esm = toEsm(fs.readFileSync(file, 'utf8'), () => 'named');
    assert.notStrictEqual(esm, null, path.relative(GLUE, file) + ' is left as CommonJS');
    assert.doesNotMatch(esm, /^module\.exports|^const .*= require\(/m, path.relative(GLUE, file));
  }
});

test('requires, default and named exports', () => {
  const src = [
    "'use strict'",
    "const a = require('./a')",
    "const b = require('./b')",
    'const {',
    '  x,',
    '  y: z,',
    "} = require('./c');",
    'function f () {',
    "  return require('./runtime.js')",
    '}',
    'module.exports = { f, g: a.g, h: f.bind(null, { k: 1 }) }',
    '',
  ].join('\n');
  const out = toEsm(src, (spec) => (spec === './a' ? 'default' : 'named'));
  assert.match(out, /^import a from '\.\/a';$/m);
  assert.match(out, /^import \* as b from '\.\/b';$/m);
  assert.match(out, /^import \{ x, y as z \} from '\.\/c';$/m);
  assert.match(out, /return require\('\.\/runtime\.js'\)/);
  assert.match(out, /^export \{ f, __export0 as g, __export1 as h \};$/m);
  assert.match(out, /^const __export1 = f\.bind\(null, \{ k: 1 \}\);$/m);
  assert.doesNotMatch(out, /use strict/);

  const def = toEsm("const E = require('./e')\nclass C extends E {}\nmodule.exports = C\nC.V = 1\n", () => 'default');
  assert.match(def, /^C\.V = 1\n+export default C;$/m);
});

test('anything else at module level is left as CommonJS', () => {
  assert.strictEqual(toEsm("exports.a = 1\nmodule.exports = { a: 1 }\n", () => 'named'), null);
  assert.strictEqual(toEsm("const a = require('./a').b\nmodule.exports = { a }\n", () => 'named'), null);
  assert.strictEqual(toEsm("module.exports = { a: 1 }\nmodule.exports.b = 2\n", () => 'named'), null);
  assert.strictEqual(toEsm('const a = 1\n', () => 'named'), null);
  assert.strictEqual(toEsm("class C {}\nmodule.exports = C\nC.x = require('./x').y\n", () => 'named'), null);
});
