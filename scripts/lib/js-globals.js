'use strict';
/**
 * Lists the free global names a JS file references (names it uses but never declares),
 * using TypeScript's binder and checker so scoping is exact. Mini-program runtimes lack
 * several web globals (TextEncoder, TextDecoder, FinalizationRegistry, BigInt, ...): the
 * bundling step uses this list to know what it must shim.
 *
 *   node scripts/lib/js-globals.js FILE.js
 *     prints {"file", "globals": [names], "uses": {name: {count, guarded}}} as JSON;
 *     `guarded` is true when every use is a feature test (`typeof X`) or sits in a branch of a
 *     conditional / if whose condition tests `typeof X`: such a global may be absent.
 */
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

/** True when `id` is a name being read (not a property name, label or declared name). */
function isReference(id) {
  const p = id.parent;
  if (!p) return false;
  if ((ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) && p.name === id) return false;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isGetAccessorDeclaration(p) ||
      ts.isSetAccessorDeclaration(p) ||
      ts.isPropertySignature(p) ||
      ts.isMethodSignature(p)) &&
    p.name === id
  ) {
    return false;
  }
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) {
    return false;
  }
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if (ts.isDeclaration(p) && p.name === id) return false;
  return true;
}

/** True when `cond` contains `typeof <name>`. */
function testsTypeof(cond, name) {
  let found = false;
  const visit = (n) => {
    if (found) return;
    if (ts.isTypeOfExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(cond);
  return found;
}

/** True when the use `id` is a feature test or only runs after one. */
function isGuarded(id) {
  if (ts.isTypeOfExpression(id.parent)) return true;
  for (let child = id, p = id.parent; p; child = p, p = p.parent) {
    if (ts.isConditionalExpression(p) && child !== p.condition && testsTypeof(p.condition, id.text)) return true;
    if (ts.isIfStatement(p) && child !== p.expression && testsTypeof(p.expression, id.text)) return true;
  }
  return false;
}

function freeGlobals(file) {
  const abs = path.resolve(file);
  const program = ts.createProgram([abs], {
    allowJs: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(abs);
  if (!sf) throw new Error(`cannot read ${file}`);
  const uses = new Map();
  const visit = (node) => {
    if (ts.isIdentifier(node) && isReference(node)) {
      const sym = checker.getSymbolAtLocation(node);
      const decls = (sym && sym.declarations) || [];
      // Declared nowhere in this file: either a lib (runtime) global or an undeclared name.
      if (!decls.some((d) => d.getSourceFile() === sf)) {
        const name = node.text;
        // `undefined` is a literal in practice, `arguments` a per-function binding.
        if (name !== 'undefined' && name !== 'arguments') {
          const u = uses.get(name) || { count: 0, guarded: true };
          u.count += 1;
          u.guarded = u.guarded && isGuarded(node);
          uses.set(name, u);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const names = [...uses.keys()].sort();
  return { file: path.basename(file), globals: names, uses: Object.fromEntries(names.map((n) => [n, uses.get(n)])) };
}

module.exports = { freeGlobals };

if (require.main === module) {
  const file = process.argv[2];
  if (!file || !fs.existsSync(file)) {
    process.stderr.write('usage: js-globals.js FILE.js\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(freeGlobals(file), null, 1)}\n`);
}
