'use strict';
/**
 * Repeated string literals, `null`, `void 0` and built-in globals of a minified bundle become
 * variables of its wrapper function: WeChat counts mqtt.min.js byte for byte, and
 * `"function"==typeof x` written 21 times costs more than one `var a="function"` and 21 `a`s,
 * as `new Uint8Array(…)` written 29 times costs more than `var b=Uint8Array` and 29 `new b(…)`
 * (together about 1.6 KB of dist/wx/mqtt.min.js). Minifiers leave such repetition alone
 * because gzip removes it; mini-program packages are not compressed.
 *
 * Member names go the same way: `x.options` written 31 times becomes `x[a]`, which reads
 * the same property (`x.name` is `x["name"]` by definition), sharing the variable with a
 * literal "options" if there is one; names read in loops over bytes stay written out (HOT_MEMBERS).
 * And `typeof x`, written some 60 times, becomes a call of one `x=>typeof x` wherever a call
 * cannot throw (typeofSites: not of a bare name that may be a missing global).
 * A string (or null, or undefined) is an immutable value, so a variable holding it behaves
 * the same everywhere; only literals in expression position are replaced, never an object or
 * class key, a directive ("use strict"), or the argument of `require(…)`, which packagers
 * must see as a literal.
 * The globals are ES built-ins (BUILT_INS) read once when the bundle loads instead of at each
 * use: the same objects, unless a page replaced a built-in constructor after loading the
 * bundle. Timers, Date and Promise, which test harnesses and polyfills do replace, stay
 * global. The variables are declared first thing in the wrapper function, before any code
 * runs, and a mangling pass gives them short names.
 */
const acorn = require('acorn');

/** Globals that may be read once, at load. */
const BUILT_INS = new Set(['Uint8Array', 'ArrayBuffer', 'Array', 'Object', 'String', 'Math', 'Error', 'TypeError', 'RangeError', 'DataView', 'Number']);
/** Expected length of a variable's name after mangling, for deciding what pays. */
const NAME_LENGTH = 2;
const PREFIX = '__mpmqttConstant';

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/**
 * Calls `visit(node, parent, key, inLoop)` for every node below `root`; `inLoop`: the node is
 * part of a loop statement of its own function.
 */
function walk(root, visit) {
  const stack = [[root, null, null, false]];
  while (stack.length) {
    const [node, parent, key, inLoop] = stack.pop();
    visit(node, parent, key, inLoop);
    const childInLoop = FUNCTIONS.has(node.type) ? false : inLoop || LOOPS.has(node.type);
    for (const k of Object.keys(node)) {
      const v = node[k];
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child.type === 'string') stack.push([child, node, k, childInLoop]);
      }
    }
  }
}

/** A key position, where an identifier or literal is a name rather than a value. */
function isKey(parent, key) {
  if (parent.type === 'Property') return (key === 'key' && !parent.computed) || parent.shorthand;
  if (parent.type === 'MethodDefinition') return key === 'key' && !parent.computed;
  if (parent.type === 'MemberExpression') return key === 'property' && !parent.computed;
  return false;
}

/** The places where an identifier names a binding (declares or assigns it), by parent type. */
const BINDING_SLOTS = {
  VariableDeclarator: ['id'],
  FunctionDeclaration: ['id', 'params'],
  FunctionExpression: ['id', 'params'],
  ArrowFunctionExpression: ['params'],
  ClassDeclaration: ['id'],
  ClassExpression: ['id'],
  CatchClause: ['param'],
  AssignmentExpression: ['left'],
  UpdateExpression: ['argument'],
  ArrayPattern: ['elements'],
  AssignmentPattern: ['left'],
  RestElement: ['argument'],
  LabeledStatement: ['label'],
  BreakStatement: ['label'],
  ContinueStatement: ['label'],
};

/**
 * Member names left written out where bytes are walked, where a computed `x[name]` may cost
 * an interpreter (JavaScriptCore without JIT on iOS) more than `x.name`: these inside loops,
 * BYTE_HELPERS everywhere (called once per character); and the core's exports, which
 * scripts/lib/short-exports.js renames by their `.mq_…` uses.
 */
const HOT_MEMBERS = new Set(['length', 'subarray', 'set', 'buffer', 'byteOffset', 'byteLength', 'push']);
const BYTE_HELPERS = new Set(['fromCharCode', 'codePointAt', 'charCodeAt']);

/** A member's name as a candidate (`x.name`, which reads the same as `x["name"]`), or null. */
function memberName(node, parent, key, inLoop) {
  if (parent.type !== 'MemberExpression' || key !== 'property' || parent.computed || node.type !== 'Identifier') return null;
  if ((inLoop && HOT_MEMBERS.has(node.name)) || BYTE_HELPERS.has(node.name) || node.name.startsWith('mq_')) return null;
  return 'string:' + node.name;
}

/** What `node` is as a candidate: 'string:…' or 'global:…', or null. */
function candidate(node, parent, key, inLoop) {
  const member = memberName(node, parent, key, inLoop);
  if (member) return member;
  if (isKey(parent, key)) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') {
    if (parent.type === 'ExpressionStatement' && parent.directive !== undefined) return null;
    if (parent.type === 'CallExpression' && parent.callee.type === 'Identifier' && parent.callee.name === 'require') return null;
    return 'string:' + node.value;
  }
  if (node.type === 'Identifier' && BUILT_INS.has(node.name)) return 'global:' + node.name;
  // `null` and terser's `void 0` for undefined: values like the strings.
  if (node.type === 'Literal' && node.value === null && node.raw === 'null') return 'value:null';
  if (node.type === 'UnaryExpression' && node.operator === 'void' && node.argument.type === 'Literal' && node.argument.value === 0) return 'value:void 0';
  return null;
}

/** Names a binding pattern declares. */
function patternNames(pattern, out) {
  if (!pattern) return out;
  if (pattern.type === 'Identifier') out.add(pattern.name);
  else if (pattern.type === 'ObjectPattern') pattern.properties.forEach((p) => patternNames(p.value || p.argument, out));
  else if (pattern.type === 'ArrayPattern') pattern.elements.forEach((e) => patternNames(e, out));
  else if (pattern.type === 'AssignmentPattern') patternNames(pattern.left, out);
  else if (pattern.type === 'RestElement') patternNames(pattern.argument, out);
  return out;
}

/**
 * Names surely bound in all of `fn`: its parameters, its `var`s, and what its body declares
 * at its top level (not names of inner blocks, which may be globals elsewhere in it).
 */
function functionNames(fn) {
  const names = new Set();
  fn.params.forEach((p) => patternNames(p, names));
  if (fn.body.type !== 'BlockStatement') return names;
  for (const st of fn.body.body) {
    if (st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') names.add(st.id.name);
    if (st.type === 'VariableDeclaration') st.declarations.forEach((d) => patternNames(d.id, names));
  }
  const stack = [fn.body];
  while (stack.length) {
    const node = stack.pop();
    if (node.type === 'VariableDeclaration' && node.kind === 'var') node.declarations.forEach((d) => patternNames(d.id, names));
    for (const k of Object.keys(node)) {
      const v = node[k];
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child.type === 'string' && !FUNCTIONS.has(child.type)) stack.push(child);
      }
    }
  }
  return names;
}

/**
 * The `typeof x` of `root` that may become a call `t(x)`: those of an expression, or of a
 * name some enclosing function binds. `typeof someGlobal` stays: it must not throw when the
 * global is missing (`typeof wx`), which a call would.
 */
function typeofSites(root) {
  const sites = [];
  const visit = (node, scopes) => {
    if (FUNCTIONS.has(node.type)) scopes = scopes.concat([functionNames(node)]);
    if (node.type === 'UnaryExpression' && node.operator === 'typeof') {
      const arg = node.argument;
      if (arg.type !== 'Identifier' || scopes.some((names) => names.has(arg.name))) sites.push(node);
    }
    for (const k of Object.keys(node)) {
      const v = node[k];
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child.type === 'string') visit(child, scopes);
      }
    }
  };
  visit(root, []);
  return sites;
}

/**
 * @param {string} code  `var NAME=function(){…}();…`, as scripts/bundle.js wraps a bundle
 * @returns {string} the same program with repeated strings and built-ins read from variables
 *   (unmangled: the caller's minifier shortens the names), or `code` when nothing pays
 */
function hoistRepeated(code) {
  const ast = acorn.parse(code, { ecmaVersion: 2017 });
  const first = ast.body[0];
  const wrapper = first && first.type === 'VariableDeclaration' && first.declarations[0].init &&
    first.declarations[0].init.type === 'CallExpression' ? first.declarations[0].init.callee : null;
  if (!wrapper || wrapper.type !== 'FunctionExpression') throw new Error('hoistRepeated: expected `var NAME=function(){…}()`');
  if (code.includes(PREFIX)) throw new Error('hoistRepeated: the bundle already uses the name ' + PREFIX);

  const uses = new Map(); // candidate -> nodes (a member's name: its MemberExpression)
  const bound = new Set(); // built-in names the bundle declares or assigns itself: left alone
  const methodKeys = new Map(); // name -> keys of class methods (not constructors)
  walk(wrapper.body, (node, parent, key, inLoop) => {
    if (!parent) return;
    if (parent.type === 'MethodDefinition' && key === 'key' && !parent.computed && !parent.static &&
        parent.kind !== 'constructor' && node.type === 'Identifier') {
      if (!methodKeys.has(node.name)) methodKeys.set(node.name, []);
      methodKeys.get(node.name).push(node);
    }
    const slots = BINDING_SLOTS[parent.type] || [];
    if (node.type === 'Identifier' && BUILT_INS.has(node.name) && slots.includes(key)) bound.add(node.name);
    const c = candidate(node, parent, key, inLoop);
    if (!c) return;
    if (!uses.has(c)) uses.set(c, []);
    uses.get(c).push(parent.type === 'MemberExpression' && key === 'property' && !parent.computed ? parent : node);
  });
  const hoisted = [];
  for (const [c, nodes] of uses) {
    const kind = c.slice(0, c.indexOf(':'));
    const value = c.slice(kind.length + 1);
    if (kind === 'global' && bound.has(value)) continue;
    const source = kind === 'string' ? JSON.stringify(value) : value;
    // `x.name` becomes `x[v]`: the dot and the name for two brackets and the variable.
    const savedAt = (n) => (n.type === 'MemberExpression' ? n.property.name.length + 1 - (NAME_LENGTH + 2) : source.length - NAME_LENGTH);
    const saved = nodes.reduce((sum, n) => sum + savedAt(n), 0) - (NAME_LENGTH + 2 + source.length);
    if (saved > 0) hoisted.push({ source, nodes, name: PREFIX + hoisted.length, methods: kind === 'string' ? methodKeys.get(value) || [] : [] });
  }
  // `typeof x` (7 characters and x) as `t(x)` with `t=x=>typeof x`, where that cannot throw.
  const word = (i) => /[\w$]/.test(code[i] || '');
  const typeofs = typeofSites(wrapper).filter((n) => !code.slice(n.start + 'typeof'.length, n.argument.start).trim());
  const typeofName = PREFIX + 'Typeof';
  if (typeofs.length * ('typeof '.length - NAME_LENGTH - 2) > NAME_LENGTH + 'x=>typeof x,'.length) {
    hoisted.push({ source: 'x=>typeof x', nodes: [], name: typeofName });
  }
  if (!hoisted.length) return code;

  const edits = [];
  if (hoisted.some((h) => h.name === typeofName)) {
    for (const n of typeofs) {
      edits.push({ start: n.argument.end, end: n.argument.end, text: ')' });
      edits.push({ start: n.start, end: n.argument.start, text: (word(n.start - 1) ? ' ' : '') + typeofName + '(' });
    }
  }
  // Minified code writes `case"x":` and `return"x"`: a name there needs spaces around it.
  for (const h of hoisted) {
    // A class method named by a value hoisted anyway: `[v](…){…}` defines the same method
    // (never `constructor`, which only a literal name makes the class's constructor).
    for (const k of h.methods || []) {
      if (k.name.length > NAME_LENGTH + 2) edits.push({ start: k.start, end: k.end, text: '[' + h.name + ']' });
    }
    for (const n of h.nodes) {
      if (n.type === 'MemberExpression') {
        // From the dot, which may follow a `)` closing the object.
        const dot = code.lastIndexOf('.', n.property.start);
        if (dot < n.object.end || code.slice(dot + 1, n.property.start).trim()) throw new Error('hoistRepeated: no dot before a member name at ' + n.property.start);
        edits.push({ start: dot, end: n.property.end, text: '[' + h.name + ']' });
        continue;
      }
      edits.push({ start: n.start, end: n.end, text: (word(n.start - 1) ? ' ' : '') + h.name + (word(n.end) ? ' ' : '') });
    }
  }
  // After a leading "use strict" (it must stay the function's first statement), else first.
  const body = wrapper.body.body;
  const at = body.length && body[0].directive !== undefined ? body[0].end : wrapper.body.start + 1;
  edits.push({ start: at, end: at, text: 'var ' + hoisted.map((h) => h.name + '=' + h.source).join(',') + ';' });
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

module.exports = { hoistRepeated };
