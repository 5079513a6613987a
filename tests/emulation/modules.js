'use strict';
/**
 * The mini-program module system: CommonJS files inside the code package, each wrapped the
 * way WeChat's base library wraps them (browser names such as window, self, WebSocket and
 * XMLHttpRequest are parameters bound to undefined). `require` takes paths relative to the
 * requiring file or absolute from the package root ("/utils/x.js"); bare names look in
 * miniprogram_npm/ (WeChat) or node_modules/ (Alipay). Nothing outside the package loads.
 *
 * Both IDEs compile ES module syntax to CommonJS before upload; files using `import`/`export`
 * get the same treatment here through esbuild (format cjs, no syntax lowering).
 */
const fs = require('fs');
const path = require('path');

const SHADOWED = [
  'window', 'document', 'frames', 'self', 'location', 'navigator', 'localStorage', 'history',
  'Caches', 'screen', 'alert', 'confirm', 'prompt', 'XMLHttpRequest', 'WebSocket', 'Reporter',
  'webkit', 'WeixinJSCore',
];

const ESM_RE = /^\s*(import\s+[\w{*'"]|export\s+(default|const|let|var|function|class|\{|\*))/m;

function createModuleSystem(realm, root, { npmDir = 'miniprogram_npm' } = {}) {
  root = path.resolve(root);
  const cache = new Map();
  const inside = (abs) => abs === root || abs.startsWith(root + path.sep);

  function resolve(fromDir, request) {
    const bases = [];
    if (request.startsWith('/')) bases.push(path.join(root, request));
    else if (request.startsWith('.')) bases.push(path.resolve(fromDir, request));
    else {
      bases.push(path.join(root, npmDir, request));
      bases.push(path.resolve(fromDir, request));
    }
    for (const base of bases) {
      if (!inside(base)) continue;
      for (const cand of [base, base + '.js', base + '.json', path.join(base, 'index.js')]) {
        try {
          if (fs.statSync(cand).isFile()) return cand;
        } catch (e) {
          // try the next candidate
        }
      }
    }
    return null;
  }

  function load(abs) {
    if (cache.has(abs)) return cache.get(abs).exports;
    const rel = path.relative(root, abs).split(path.sep).join('/');
    const module = realm.toRealm({ exports: {} });
    module.id = rel;
    cache.set(abs, module);
    try {
      if (abs.endsWith('.json')) {
        module.exports = realm.intrinsics.json(fs.readFileSync(abs, 'utf8'));
        return module.exports;
      }
      let src = fs.readFileSync(abs, 'utf8');
      if (ESM_RE.test(src)) {
        src = require('esbuild').transformSync(src, { format: 'cjs', loader: 'js', sourcefile: rel, target: 'esnext' }).code;
      }
      const wrapper = realm.run(`(function (require, module, exports, ${SHADOWED.join(', ')}) {${src}\n})`, abs);
      wrapper.call(module.exports, makeRequire(path.dirname(abs)), module, module.exports);
    } catch (err) {
      cache.delete(abs);
      throw err;
    }
    return module.exports;
  }

  function makeRequire(fromDir) {
    return function require(request) {
      if (typeof request !== 'string') throw realm.error(`require args must be a string`);
      const abs = resolve(fromDir, request);
      if (!abs) {
        const rel = path.relative(root, path.resolve(fromDir, request)).split(path.sep).join('/');
        throw realm.error(`module '${rel}' is not defined, require args is '${request}'`);
      }
      return load(abs);
    };
  }

  return { require: makeRequire(root), load, resolve: (r) => resolve(root, r), loaded: () => [...cache.keys()] };
}

module.exports = { createModuleSystem, SHADOWED };
