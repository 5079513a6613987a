'use strict';
/**
 * A function of a minified bundle that writes `this` many times reads it from a local
 * instead: `let a=this;` once, then `a` for each `this` (WeChat counts mqtt.min.js byte for
 * byte; MqttClient's methods alone write `this` some 300 times). A function's `this` is fixed
 * when it is called, so a local taken at the start of its body holds the same value
 * everywhere in that body, including the arrow functions inside it, which share it. In a
 * derived class's constructor `this` exists once super() returns, and super() returns it:
 * the local is assigned there (`(a=super(…))`), when the constructor calls super() in one
 * place. Left alone: `this` in parameter defaults (evaluated before the body), and inside
 * nested functions and classes (their own `this`).
 */
const acorn = require('acorn');

const PREFIX = '__mpmqttThis';
/** `let a=this;` and each use's saving (`this` -> a one or two letter name). */
const DECLARATION = 'let a=this;'.length;
const SAVED_PER_USE = 'this'.length - 1.5;

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression']);

/**
 * The ThisExpressions and super() calls of `body` that belong to its function (through
 * arrows, not functions or classes).
 */
function ownThis(body) {
  const found = [];
  const superCalls = [];
  const stack = [body];
  while (stack.length) {
    const node = stack.pop();
    if (node.type === 'ThisExpression') found.push(node);
    if (node.type === 'CallExpression' && node.callee.type === 'Super') superCalls.push(node);
    if (FUNCTIONS.has(node.type) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression') continue;
    for (const k of Object.keys(node)) {
      const v = node[k];
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child.type === 'string') stack.push(child);
      }
    }
  }
  return { uses: found, superCalls };
}

/**
 * @param {string} code  a minified program
 * @returns {string} the same program with `this` read from locals where that pays
 *   (unmangled: the caller's minifier shortens the names)
 */
function aliasThis(code) {
  if (code.includes(PREFIX)) throw new Error('aliasThis: the program already uses the name ' + PREFIX);
  const ast = acorn.parse(code, { ecmaVersion: 2017 });
  const derivedConstructors = new Set();
  const functions = [];
  const stack = [ast];
  while (stack.length) {
    const node = stack.pop();
    if ((node.type === 'ClassDeclaration' || node.type === 'ClassExpression') && node.superClass) {
      for (const m of node.body.body) if (m.kind === 'constructor') derivedConstructors.add(m.value);
    }
    if (FUNCTIONS.has(node.type) && node.body.type === 'BlockStatement') functions.push(node);
    for (const k of Object.keys(node)) {
      const v = node[k];
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child.type === 'string') stack.push(child);
      }
    }
  }
  const edits = [];
  let count = 0;
  for (const fn of functions) {
    const { uses, superCalls } = ownThis(fn.body);
    const derived = derivedConstructors.has(fn);
    if (derived && superCalls.length !== 1) continue;
    const body = fn.body.body;
    // After a directive prologue, which must stay first.
    let at = fn.body.start + 1;
    for (const s of body) {
      if (s.directive === undefined) break;
      at = s.end;
    }
    const first = body.find((st) => st.directive === undefined);
    const joined = !derived && first && first.type === 'VariableDeclaration' && first.kind !== 'const' && first.start === at;
    // `a=this,` joined to a declaration; `let a;` and `(a=…)` around super() in a derived constructor.
    const cost = joined ? 'a=this,'.length : DECLARATION + (derived ? 2 : 0);
    if (uses.length * SAVED_PER_USE <= cost) continue;
    const name = PREFIX + count++;
    // Insertions at one position are applied in the order pushed, each before the last:
    // `(a=` before `let a;` when super() opens the body.
    if (derived) {
      const call = superCalls[0];
      edits.push({ start: call.end, end: call.end, text: ')' });
      edits.push({ start: call.start, end: call.start, text: '(' + name + '=' });
    }
    // Into the body's first `let`/`var` when it opens with one: `let a=this,b=…`.
    if (joined) {
      const d = first.declarations[0].start;
      // `let[a,b]=…` has no space to keep the new name apart from the keyword.
      edits.push({ start: d, end: d, text: (/[\w$]/.test(code[d - 1]) ? ' ' : '') + name + '=this,' });
    } else {
      edits.push({ start: at, end: at, text: 'let ' + name + (derived ? ';' : '=this;') });
    }
    for (const u of uses) edits.push({ start: u.start, end: u.end, text: name });
  }
  // Last first; at one position the replaced `this` before the declaration inserted there.
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

module.exports = { aliasThis };
