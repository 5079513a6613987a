'use strict';
/**
 * scripts/lib/alias-this.js: `this` read from a local in functions that write it often. The
 * same program runs before and after, over the places where `this` means something else
 * (nested functions and classes, derived constructors before super(), parameter defaults)
 * and where it must stay the function's own (arrows, a `this` first thing in the body).
 */
const test = require('node:test');
const assert = require('node:assert');
const vm = require('vm');
const { aliasThis } = require('../../../scripts/lib/alias-this');
const { terserPass } = require('../../../scripts/terser-pass');

const PROGRAM = `var out=function(){"use strict";
  class Base{constructor(){this.a=1;this.b=2;this.c=3;this.d=4;this.e=5}
    sum(){this.a;const f=function(){return this===undefined};const g=()=>this.a+this.b+this.c+this.d+this.e;
      class Inner{who(){return this instanceof Inner}}return [g(),f(),new Inner().who(),this.sum2(this.a,this.b)]}
    sum2(x=this.a,y){return x+y+this.c+this.d+this.e+this.a}}
  class Child extends Base{constructor(){super();this.a=10;this.b=20;this.c=30;this.d=40;this.e=50}}
  class Grand extends Base{constructor(x){if(super(),x)this.a=x;const f=()=>this.b;this.c=f()+this.a+this.d+this.e;this.b=this.c}}
  class Twice extends Base{constructor(x){if(x)super();else super();this.a=this.b+this.c+this.d+this.e+this.a+this.b+this.c}}
  function plain(){"use strict";return [this,this,this,this,this,this].map(String).join()}
  function bound(){return this.n+this.n+this.n+this.n+this.n+this.n}
  function pair(){let[a,b]=[this.n,this.n];var c=this.n+this.n;return a+b+c+this.n+this.n}
  function listed(){var a=this.n,b=a+this.n;return a+b+this.n+this.n+this.n}
  const holder={n:3,bound,get twice(){return this.n+this.n+this.n+this.n+this.n+this.n}};
  return [new Base().sum(),new Child().sum(),new Grand(7).sum(),new Grand(0).sum(),new Twice(1).a,new Twice(0).a,plain.call("x"),holder.bound(),holder.twice,bound.call({n:1}),pair.call({n:2}),listed.call({n:3})];
}();`;

function run(code) {
  return JSON.stringify(vm.runInNewContext(code + ';out', {}));
}

test('functions that write this often read it from a local and compute the same', () => {
  const aliased = aliasThis(PROGRAM);
  assert.match(aliased, /let __mpmqttThis\d+=this;/, 'something was aliased');
  assert.match(aliased, /\{"use strict";let __mpmqttThis\d+=this;return \[__mpmqttThis/, 'after the directive');
  assert.match(aliased, /constructor\(\)\{super\(\);this\.a=10/, 'a derived constructor that does not pay keeps this');
  assert.match(aliased, /constructor\(x\)\{let (__mpmqttThis\d+);if\(\(\1=super\(\)\),x\)\1\.a=x/, 'a derived constructor takes this from super()');
  assert.match(aliased, /if\(x\)super\(\);else super\(\);this\.a=this\.b/, 'two super() calls: this stays');
  assert.match(aliased, /sum2\(x=this\.a,y\)/, 'a parameter default keeps this');
  assert.match(aliased, /return this===undefined/, 'a nested function keeps its own this');
  assert.match(aliased, /who\(\)\{return this instanceof Inner/, 'a nested class keeps its own this');
  assert.match(aliased, /function pair\(\)\{let (__mpmqttThis\d+)=this,\[a,b\]=\[\1\.n/, 'joined to the first let, apart from the keyword');
  assert.match(aliased, /function listed\(\)\{var (__mpmqttThis\d+)=this,a=\1\.n/, 'joined to the first var');
  assert.strictEqual(run(aliased), run(PROGRAM));
});

test('through the minifier: shorter, the same results, and a function writing this once is left alone', async () => {
  const plain = await terserPass(PROGRAM, { ascii: true });
  const aliased = await terserPass(PROGRAM, { ascii: true, hoistRepeated: true });
  assert.ok(aliased.length < plain.length, aliased.length + ' < ' + plain.length);
  assert.strictEqual(run(aliased), run(plain));
  const once = 'var out=function(){return this}.call(7);';
  assert.strictEqual(aliasThis(once), once);
});
