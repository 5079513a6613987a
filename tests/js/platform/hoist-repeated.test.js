'use strict';
/**
 * scripts/lib/hoist-repeated.js: repeated string literals and built-ins of a bundle read from
 * variables. A wrong replacement would break every page at load or, worse, change what a
 * page sees, so the same program runs before and after here, over every position a literal
 * or a built-in name can take, and the shipped bundles are checked for what must stay literal.
 */
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { hoistRepeated } = require('../../../scripts/lib/hoist-repeated');
const { terserPass } = require('../../../scripts/terser-pass');

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Runs a `var out=function(){…}();` program and returns `out` (as JSON), with `require` recorded. */
function run(code) {
  const required = [];
  const context = { require: (name) => { required.push(name); return { name }; } };
  const out = vm.runInNewContext(code + ';JSON.stringify(out)', context);
  return { out: JSON.parse(out), required: [...required] };
}

// Each repeated string and built-in in a position of its own: values (typeof, case, in,
// default parameter, concatenation) and names (keys, methods, members, shorthand, directive,
// require argument), `extends` and `instanceof` on a built-in, and `null` / `void 0`.
const PROGRAM = `var out=function(){"use strict";
  function kind(x){switch(typeof x){case "function":return "function";case "string":return "string";default:return "other"}}
  function pick(o, k = "function"){return k in o ? o[k] : "function" + "string"}
  class Failure extends Error{constructor(m){super(m);this.kind="string"}get function(){return "function"}}
  const keys = {function: 1, "string": 2, Error: Error, Uint8Array};
  const bytes = new Uint8Array(3), more = Uint8Array.from([1, 2]), view = Uint8Array.prototype.subarray.call(bytes, 1);
  const mod = require("./mqtt.wasm.js"), again = require("./mqtt.wasm.js");
  const f = new Failure("string");
  const nothing = [null, void 0, null === void 0, null == void 0, typeof void 0, typeof null, Object.create(null) instanceof Object,
    [null, void 0].indexOf(void 0), (function(x = null){return x})(), (function(x = void 0){return x})(null)].map(String);
  return {
    kinds: [kind(kind), kind("string"), kind(1), kind("function")],
    picks: [pick({function: 7}), pick({}, "string"), pick({string: "function"}, "string")],
    keys: Object.keys(keys), shorthand: keys.Uint8Array === Uint8Array, errorKey: keys.Error === Error,
    failure: [f instanceof Error, f instanceof Failure, f.kind, f.function, f.message],
    bytes: [bytes.length, more[1], view.length, bytes instanceof Uint8Array, Uint8Array.name],
    modules: [mod.name, again.name], strict: (function(){return this})() === undefined, nothing,
    text: String("function").length + Object.keys({a: "string"}).length + Math.max(1, 2) + Number("2")
  };
}();`;

test('the program computes the same after hoisting, in every position a literal or built-in takes', () => {
  const hoisted = hoistRepeated(PROGRAM);
  assert.notStrictEqual(hoisted, PROGRAM, 'something was hoisted');
  const before = run(PROGRAM);
  const after = run(hoisted);
  assert.deepStrictEqual(after.out, before.out);
  assert.deepStrictEqual(after.required, ['./mqtt.wasm.js', './mqtt.wasm.js']);
  // What must stay literal does.
  assert.match(hoisted, /^var out=function\(\)\{"use strict";var /, 'the directive stays first, the variables follow it');
  assert.strictEqual(hoisted.split('require("./mqtt.wasm.js")').length - 1, 2);
  assert.match(hoisted, /\{function: 1, "string": 2, Error: __mpmqttConstant\d+, Uint8Array\}/, 'keys and shorthand stay');
  assert.match(hoisted, /get \[__mpmqttConstant\d+\]\(\)/, 'a class getter named by a hoisted value reads it');
  assert.match(hoisted, /keys\.Uint8Array ===/, 'a member name stays');
  assert.match(hoisted, /"use strict";var [^;]*=null[,;]/, 'null is hoisted');
  assert.match(hoisted, /"use strict";var [^;]*=void 0[,;]/, 'void 0 is hoisted');
});

test('after the minifier the hoisted program is shorter and still computes the same', async () => {
  const plain = await terserPass(PROGRAM, { ascii: true });
  const hoisted = await terserPass(PROGRAM, { ascii: true, hoistRepeated: true });
  assert.ok(hoisted.length < plain.length, hoisted.length + ' < ' + plain.length);
  assert.deepStrictEqual(run(hoisted).out, run(plain).out);
});

// Member names read as `x[v]`: after a parenthesised object, in chains, calls that need
// their `this`, assignments, updates, delete, super, and shared with the same string literal.
const MEMBERS = `var out=function(){"use strict";
  class Base{constructor(){this.options={options:1}}get options2(){return this.options}describe(){return "options"}}
  class Child extends Base{describe(){return super.describe()+this.options.options}}
  class Named{constructor(){this.k="options"}options(){return this.k}static options(){return "static"}}
  const c = new Child(), o = {options: {options: 2}, count: 0}, named = [new Named().options(), Named.options(), Object.getOwnPropertyNames(Named.prototype)];
  o.options.options++; o.options.options += 1; o.count = (o.count ? o : c).options.options;
  const t = {options: {}, counter(){return this === t}};
  delete o.options.options;
  const calls = [t.counter(), (0, t.counter)(), (1 > 0 ? t : c).counter()];
  const a = [1, 2, 3], lengths = [a.length, a.length, a.length, a.length, a.length, a.length, a.length];
  let walked = 0;
  for (let i = 0; i < a.length; i++) walked += a.length;
  return [c.describe(), o.count, "options" in o.options, calls, c.options2.options, lengths, walked, "abc".length, (o).options, named];
}();`

test('member names read from variables compute the same, and those of byte loops stay written out', () => {
  const hoisted = hoistRepeated(MEMBERS);
  assert.match(hoisted, /\[__mpmqttConstant\d+\]\.?/, 'a member name was hoisted');
  assert.doesNotMatch(hoisted, /\.options\b/, 'every .options became a computed member');
  assert.match(hoisted, /for \(let i = 0; i < a\.length; i\+\+\) walked \+= a\.length;/, '.length stays in a loop');
  assert.match(hoisted, /lengths = \[a\[__mpmqttConstant\d+\]/, 'and not outside');
  assert.match(hoisted, /\{options: /, 'object keys stay');
  assert.match(hoisted, /class Named\{constructor\(\)\{[^}]*\}\[__mpmqttConstant\d+\]\(\)\{/, 'a method named by a hoisted value');
  assert.match(hoisted, /static options\(\)/, 'static methods stay');
  assert.deepStrictEqual(run(hoisted).out, run(MEMBERS).out);
});

// typeof of parameters, variables and expressions as a call; of a name that may be a missing
// global (a name nothing around it binds, or only an inner block) as it was, since a call
// would throw there.
const TYPEOFS = `var out=function(){"use strict";
  function kinds(a, {b}, [c], ...d){var v = 1; if (a) { let missingGlobal = 1; }
    return [typeof a, typeof b, typeof c, typeof d, typeof v, typeof a.x, typeof (a, v), typeof typeof a,
      typeof missingGlobal, typeof notDefinedAnywhere, typeof kinds, typeof null];}
  return [kinds(1, {b: "s"}, [null], 2), kinds(0, {}, [])];
}();`

test('typeof of bound names and expressions becomes a call, of possibly missing globals not', () => {
  const hoisted = hoistRepeated(TYPEOFS);
  assert.match(hoisted, /var [^;]*(__mpmqttConstantTypeof)=x=>typeof x/);
  assert.match(hoisted, /\[__mpmqttConstantTypeof\(a\), __mpmqttConstantTypeof\(b\)/, 'parameters');
  assert.match(hoisted, /__mpmqttConstantTypeof\(v\), __mpmqttConstantTypeof\(a\.x\), typeof \(a, v\)/, 'a var and an expression; a parenthesised one stays');
  assert.match(hoisted, /typeof missingGlobal, typeof notDefinedAnywhere/, 'possibly missing globals stay');
  assert.deepStrictEqual(run(hoisted).out, run(TYPEOFS).out);
});

test('a built-in the program declares or assigns itself is left alone; what does not pay stays', () => {
  const shadowed = 'var out=function(){let n=0;function Uint8Array(){n++}new Uint8Array;new Uint8Array;new Uint8Array;new Uint8Array;return n}();';
  assert.doesNotMatch(hoistRepeated(shadowed), /=Uint8Array/);
  assert.strictEqual(run(hoistRepeated(shadowed)).out, 4);
  const assigned = 'var out=function(){Math=Object.create(Math);return[Math.max(1,2),Math.min(1,2),Math.abs(-1),Math.sign(-1)]}();';
  assert.doesNotMatch(hoistRepeated(assigned), /=Math\b/);
  const once = 'var out=function(){return typeof 1=="number"}();';
  assert.strictEqual(hoistRepeated(once), once);
  assert.throws(() => hoistRepeated('out=1;'), /expected `var NAME=function/);
});

const DIST = path.join(ROOT, 'dist');
const skipDist = fs.existsSync(path.join(DIST, 'wx', 'mqtt.min.js')) ? false : 'dist/ not built';

test('the shipped bundles keep their literal requires and declare the hoisted values first', { skip: skipDist }, () => {
  const requires = { 'wx/mqtt.min.js': [], 'my/mqtt.min.js': ['./mqtt.wasm.js', './mqtt.fallback.js'], 'mqtt.min.js': ['./mqtt.wasm.js', './mqtt.fallback.js'] };
  for (const [file, names] of Object.entries(requires)) {
    const code = fs.readFileSync(path.join(DIST, file), 'utf8');
    // The last terser pass may join a bare declaration in front (`var e,t="…"`).
    assert.ok(/^var mqtt=function\(\)\{\/\*![^]*?\*\/\n"use strict";var (?:[\w$]+,)*[\w$]+=/.test(code), file + ' declares its hoisted values after "use strict"');
    for (const name of names) assert.ok(code.includes('require("' + name + '")'), file + ' requires ' + name + ' literally');
    assert.ok(!code.includes('__mpmqtt'), file + ': every hoisted name and this alias was mangled');
  }
});
