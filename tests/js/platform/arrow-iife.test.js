'use strict';
/**
 * scripts/lib/arrow-iife.js: functions called where they stand written as arrows. The same
 * program runs before and after, with the functions that must stay functions: those reading
 * their own this, arguments or new.target, named ones, generators, the wrapper with its
 * directive, and those whose parameters hold functions.
 */
const test = require('node:test');
const assert = require('node:assert');
const vm = require('vm');
const { arrowIife } = require('../../../scripts/lib/arrow-iife');

const PROGRAM = `var out=function(){"use strict";
  const a=function(t){return t+1}(1), b=function(t,e){return t*e}(2,3), c=function(){return 4}(), d=function(...r){return r.length}(1,2);
  const e=function(t=5){return t}(), f=!function(){return 0}(), g=function(t){return function(){return typeof this}()}(0);
  const h=function(){return this}(), i=function(){return arguments.length}(1,2), j=function n(k){return k?n(k-1)+1:0}(3);
  const k=function*(){yield 1}().next().value, l=function(t=function(){return 6}){return t()}(), m=function(t){return function(e){return t+e}(1)}(2);
  const o={v:7,get(){return function(){return 8}()+this.v}};
  return [a,b,c,d,e,f,g,h===undefined,i,j,k,l,m,o.get()];
}();`;

const run = (code) => JSON.stringify(vm.runInNewContext(code + ';out', {}));

test('functions called where they stand become arrows and compute the same', () => {
  const arrows = arrowIife(PROGRAM);
  assert.match(arrows, /const a=\(t=>\{return t\+1\}\)\(1\), b=\(\(t,e\)=>\{return t\*e\}\)\(2,3\), c=\(\(\)=>\{return 4\}\)\(\), d=\(\(\.\.\.r\)=>/);
  assert.match(arrows, /f=!\(\(\)=>\{return 0\}\)\(\)/, 'a statement-like call');
  assert.match(arrows, /m=\(t=>\{return \(e=>\{return t\+e\}\)\(1\)\}\)\(2\)/, 'nested calls');
  for (const kept of ['function(){return typeof this}()', 'function(){return this}()', 'function(){return arguments.length}(1,2)',
    'function n(k)', 'function*(){yield 1}()', 'function(t=function(){return 6}){return t()}()']) {
    assert.ok(arrows.includes(kept), 'stays a function: ' + kept);
  }
  assert.match(arrows, /^var out=function\(\)\{"use strict";/, 'the wrapper with its directive stays a function');
  assert.strictEqual(run(arrows), run(PROGRAM));
});
