'use strict';
/**
 * esbuild plugin: bundles js-glue's CommonJS modules as ES modules.
 *
 * js-glue is CommonJS so Node's tests can require each file as it is. esbuild cannot hoist
 * CommonJS: every module would get a wrapper function, an exports object with unminifiable
 * property names, a `"use strict"` and an init call for the injected TextEncoder. Rewritten
 * to import/export, the modules share one scope, so esbuild renames their functions freely,
 * inlines constants and drops exports nothing uses (several KB of the shipped bundle).
 *
 * Only the module-level forms js-glue uses are rewritten, each on its own line:
 *
 *   const name = require('./x')                   import name from (default) or * as name
 *   const { a, b: c } = require('./x')            import { a, b as c } (may span lines)
 *   module.exports = name                         export default name
 *   module.exports = { a, b: c, d: expr }         export { a, c as b }, d through a const
 *
 * Requires inside functions (runtime requires of files beside mqtt.min.js, Node-only
 * modules) stay requires. A file with any other module-level `require`, `module.exports` or
 * `exports.` use fails the build: left as CommonJS, its require of a module rewritten with
 * `export default` would get the namespace object instead of the value.
 */
const fs = require('fs');
const path = require('path');

const REQUIRE_LINE = /^const\s+([A-Za-z_$][\w$]*|\{[^}]*\})\s*=\s*require\(\s*'([^']+)'\s*\);?[ \t]*$/gm;
const EXPORTS_LINE = /^module\.exports\s*=\s*([\s\S]*?);?[ \t]*$/m;

/** `a, b: c` of an object pattern or literal, split at top-level commas. */
function splitEntries(body) {
  const out = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/**
 * What a js-glue file exports: 'default' (module.exports = name), 'named' (an object
 * literal) or null (left as CommonJS).
 */
function exportKind(source) {
  const tail = moduleExports(source);
  if (!tail) return null;
  return tail.value.startsWith('{') ? 'named' : 'default';
}

/** The file's single `module.exports = …` statement at the end of the file, if any. */
function moduleExports(source) {
  const matches = source.match(/^module\.exports\b/gm) || [];
  if (matches.length !== 1) return null;
  const start = source.search(/^module\.exports\s*=/m);
  if (start < 0) return null;
  // The statement runs to the end of the file, apart from `name.prop = …` lines after it.
  const rest = source.slice(start);
  const m = /^module\.exports\s*=\s*/.exec(rest);
  let value = rest.slice(m[0].length);
  let after = '';
  if (value.startsWith('{')) {
    let depth = 0;
    let end = -1;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === '{') depth++;
      else if (value[i] === '}' && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) return null;
    after = value.slice(end).replace(/^;?/, '');
    value = value.slice(0, end);
  } else {
    const id = /^([A-Za-z_$][\w$]*);?/.exec(value);
    if (!id) return null;
    after = value.slice(id[0].length);
    value = id[1];
  }
  return { start, end: source.length, value, after };
}

/**
 * @param {string} source  a js-glue module
 * @param {(spec: string) => 'default'|'named'|null} kindOf  export kind of a required module
 * @returns {string|null} the ES module, or null to keep the file as it is
 */
function toEsm(source, kindOf) {
  const exp = moduleExports(source);
  if (!exp) return null;
  let code = source.slice(0, exp.start);
  // Any other module-level CommonJS use (not indented: inside a function it is indented).
  const stray = /^(?![\s/*]).*\b(require\(|module\.exports|exports\.)/m;
  let ok = true;
  let counter = 0;
  code = code.replace(REQUIRE_LINE, (line, binding, spec) => {
    if (binding.startsWith('{')) {
      const names = splitEntries(binding.slice(1, -1)).map((e) => {
        const [imported, local] = e.split(':').map((s) => s.trim());
        return local ? imported + ' as ' + local : imported;
      });
      return 'import { ' + names.join(', ') + " } from '" + spec + "';";
    }
    const kind = kindOf(spec);
    if (kind === 'default') return 'import ' + binding + " from '" + spec + "';";
    if (kind === 'named') return 'import * as ' + binding + " from '" + spec + "';";
    ok = false;
    return line;
  });
  if (!ok || stray.test(code.replace(/^import .*$/gm, '')) || stray.test(exp.after)) return null;
  code = code.replace(/^\s*(['"])use strict\1;?/, '');
  let tail;
  if (exp.value.startsWith('{')) {
    const specs = [];
    const decls = [];
    for (const entry of splitEntries(exp.value.slice(1, -1))) {
      const colon = entry.indexOf(':');
      const key = colon < 0 ? entry : entry.slice(0, colon).trim();
      const value = colon < 0 ? entry : entry.slice(colon + 1).trim();
      if (!/^[A-Za-z_$][\w$]*$/.test(key)) return null;
      if (/^[A-Za-z_$][\w$]*$/.test(value)) {
        specs.push(value === key ? key : value + ' as ' + key);
      } else {
        const local = '__export' + counter++;
        decls.push('const ' + local + ' = ' + value + ';');
        specs.push(local + ' as ' + key);
      }
    }
    tail = decls.join('\n') + '\nexport { ' + specs.join(', ') + ' };' + exp.after;
  } else {
    tail = exp.after + '\nexport default ' + exp.value + ';\n';
  }
  return code + tail;
}

/** @param {string} root  files under this folder are rewritten */
function cjsToEsmPlugin(root) {
  const kinds = new Map();
  /** How to import a required file: its export kind; a file left as CommonJS is imported as its module.exports. */
  const importKind = (file) => {
    if (!kinds.has(file)) {
      const source = fs.readFileSync(file, 'utf8');
      // An ES module already (wasm-bindgen's shims) is imported as a namespace.
      kinds.set(file, /^export\s/m.test(source) ? 'named' : exportKind(source) || 'default');
    }
    return kinds.get(file);
  };
  return {
    name: 'cjs-to-esm',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(root + path.sep)) return undefined;
        const dir = path.dirname(args.path);
        const kindOf = (spec) => {
          if (!spec.startsWith('.')) return null;
          const base = path.resolve(dir, spec);
          const file = [base, base + '.js', path.join(base, 'index.js')].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
          return file ? importKind(file) : null;
        };
        const esm = toEsm(fs.readFileSync(args.path, 'utf8'), kindOf);
        if (esm === null) {
          throw new Error(
            path.relative(path.dirname(root), args.path) + ' cannot be bundled as an ES module (scripts/cjs-to-esm.js): ' +
              "keep module-level requires as `const x = require('./y')` lines and one `module.exports = …` at the end"
          );
        }
        return { contents: esm, loader: 'js' };
      });
    },
  };
}

module.exports = { cjsToEsmPlugin, toEsm };
