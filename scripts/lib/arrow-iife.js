'use strict';
/**
 * A function expression a minified bundle calls where it stands (`function(t){…}(x)`, which
 * terser writes when it inlines a helper) becomes an arrow function, `(t=>{…})(x)`: four to
 * six bytes less each, some forty times in dist/wx/mqtt.min.js. Called once, right there,
 * with no `this` given, it behaves as the arrow does as long as it does not read its own
 * `this`, `arguments`, `new.target` or `super`, has no name to call itself by, and is not a
 * generator or async (left alone otherwise).
 */
const acorn = require('acorn');

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression']);

/** Whether `fn` reads what an arrow would take from around it instead. */
function needsOwnFunction(fn) {
  const stack = [fn.body, ...fn.params];
  while (stack.length) {
    const node = stack.pop();
    if (node.type === 'ThisExpression' || node.type === 'Super' || node.type === 'MetaProperty') return true;
    if (node.type === 'Identifier' && node.name === 'arguments') return true;
    if (FUNCTIONS.has(node.type) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression') continue;
    for (const k of Object.keys(node)) {
      const v = node[k];
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child.type === 'string') stack.push(child);
      }
    }
  }
  return false;
}

/**
 * @param {string} code  a minified program
 * @returns {string} the same program with its immediately called functions as arrows
 */
function arrowIife(code) {
  const ast = acorn.parse(code, { ecmaVersion: 2017 });
  const edits = [];
  const stack = [ast];
  while (stack.length) {
    const node = stack.pop();
    const fn = node.type === 'CallExpression' ? node.callee : null;
    // A function with a directive ("use strict", the bundle's own wrapper) stays one.
    const directive = fn && fn.type === 'FunctionExpression' && fn.body.body.length > 0 && fn.body.body[0].directive !== undefined;
    if (fn && fn.type === 'FunctionExpression' && !fn.id && !fn.generator && !fn.async && !directive && !needsOwnFunction(fn)) {
      const head = code.slice(fn.start, fn.body.start);
      const m = /^function\s*\(([^]*)\)\s*$/.exec(head);
      // One plain parameter needs no parentheses: `t=>`.
      const single = fn.params.length === 1 && fn.params[0].type === 'Identifier';
      // Parameters holding functions of their own are left alone (their edits would overlap).
      if (m && !/function|=>/.test(m[1])) {
        edits.push({ start: fn.body.end, end: fn.body.end, text: ')' });
        edits.push({ start: fn.start, end: fn.body.start, text: '(' + (single ? m[1] : '(' + m[1] + ')') + '=>' });
      }
    }
    for (const k of Object.keys(node)) {
      const v = node[k];
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child.type === 'string') stack.push(child);
      }
    }
  }
  // Last first; the inner function's closing `)` before the outer one's at the same place.
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

module.exports = { arrowIife };
