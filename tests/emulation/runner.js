'use strict';
/**
 * Runs a mini-program page in an emulated logic layer:
 *
 *   const page = await runPage('example-miniapp/wechat', 'pages/index/index', {
 *     rewrite: { 'wss://example.com': 'ws://127.0.0.1:1883' },
 *   });
 *   page.tap('publish');
 *   await page.waitFor((d) => d.status === 'received');
 *   page.close();
 *
 * Loads app.js (App()), then the page (Page()), calls onLaunch/onShow, the page's
 * onLoad(query)/onShow/onReady, and returns a handle exposing the page instance, its data,
 * the setData history, console output, the platform API's UI log and sockets, and the
 * Device (hide/show/network). Tap handlers are checked against the page template
 * (bindtap/catchtap in .wxml, onTap/catchTap in .axml) so a test cannot call a handler the
 * page cannot reach.
 */
const fs = require('fs');
const path = require('path');
const { createRealm } = require('./realm');
const { Device } = require('./device');
const { createWx } = require('./wx');
const { createMy } = require('./my');
const { createModuleSystem } = require('./modules');
const { createRuntime, RUNTIME_NAMES } = require('./runtimes');

const live = new Set();
process.on('exit', () => {
  for (const h of [...live]) h.close();
});

function detectPlatform(root) {
  if (fs.existsSync(path.join(root, 'project.config.json'))) return 'wx';
  if (fs.existsSync(path.join(root, 'mini.project.json'))) return 'my';
  throw new Error(`${root}: neither project.config.json nor mini.project.json`);
}

/** Clone for page data: plain objects/arrays copied, anything else (my, clients) by reference. */
function cloneData(v, realm) {
  if (v === null || typeof v !== 'object') return v;
  const tag = Object.prototype.toString.call(v);
  if (tag !== '[object Object]' && tag !== '[object Array]') return v;
  const proto = Object.getPrototypeOf(v);
  if (proto !== null && Object.getPrototypeOf(proto) !== null && !Array.isArray(v)) return v;
  const out = realm.toRealm(Array.isArray(v) ? [] : {});
  for (const k of Object.keys(v)) out[k] = cloneData(v[k], realm);
  return out;
}

/** JSON-safe snapshot for the history (cycles and host objects shown as tags). */
function snapshot(v, seen = new Set()) {
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? '[Function]' : v;
  if (seen.has(v)) return '[Circular]';
  const tag = Object.prototype.toString.call(v);
  if (tag !== '[object Object]' && tag !== '[object Array]') return tag;
  const proto = Object.getPrototypeOf(v);
  if (!Array.isArray(v) && proto !== null && Object.getPrototypeOf(proto) !== null) return '[object ' + (v.constructor && v.constructor.name) + ']';
  seen.add(v);
  const out = Array.isArray(v) ? v.map((x) => snapshot(x, seen)) : {};
  if (!Array.isArray(v)) for (const k of Object.keys(v)) out[k] = snapshot(v[k], seen);
  seen.delete(v);
  return out;
}

/** Applies one setData key ("a.b[2].c" paths allowed) to `data`. */
function setPath(data, key, value, realm) {
  const parts = [];
  key.replace(/[^.[\]]+|\[(\d+)\]/g, (m, idx) => {
    parts.push(idx !== undefined ? Number(idx) : m);
    return m;
  });
  let obj = data;
  for (let i = 0; i < parts.length - 1; i++) {
    if (obj[parts[i]] === null || typeof obj[parts[i]] !== 'object') obj[parts[i]] = realm.toRealm(typeof parts[i + 1] === 'number' ? [] : {});
    obj = obj[parts[i]];
  }
  obj[parts[parts.length - 1]] = value;
}

function templateHandlers(root, pagePath, platform) {
  const file = path.join(root, pagePath + (platform === 'wx' ? '.wxml' : '.axml'));
  if (!fs.existsSync(file)) return null;
  const src = fs.readFileSync(file, 'utf8');
  const re = platform === 'wx' ? /(?:bind|catch):?tap\s*=\s*"([^"]+)"/g : /(?:on|catch)Tap\s*=\s*"([^"]+)"/g;
  const names = new Set();
  let m;
  while ((m = re.exec(src))) names.add(m[1]);
  return names;
}

/**
 * @param {string} projectDir
 * @param {string} pagePath   e.g. 'pages/index/index' (no extension)
 * @param {object} [opts]
 * @param {string} [opts.platform]   'wx', 'my' or a runtime of ./runtimes (tt, qq, swan, ks, uni, dd);
 *   default: from project.config.json / mini.project.json
 * @param {Device} [opts.device]        share one phone between pages; else one is made from:
 * @param {number} [opts.hideCloseDelay]
 * @param {Function|object} [opts.rewrite]        socket URL rewrite (test only)
 * @param {Function|object} [opts.requestRewrite] request URL rewrite (test only)
 * @param {object} [opts.query]         page query for onLoad
 * @param {boolean} [opts.webAssembly]  keep the standard WebAssembly global (Alipay devices have it)
 * @param {object} [opts.platformOptions] passed to createWx/createMy
 * @param {(entry) => void} [opts.onConsole]
 */
async function runPage(projectDir, pagePath, opts = {}) {
  const root = path.resolve(projectDir);
  const platform = opts.platform || detectPlatform(root);
  const ownDevice = !opts.device;
  const device = opts.device || new Device({ hideCloseDelay: opts.hideCloseDelay, rewrite: opts.rewrite, requestRewrite: opts.requestRewrite });
  const webAssembly = opts.webAssembly === undefined ? platform === 'my' : !!opts.webAssembly;
  const realm = createRealm({ name: `${platform}:${pagePath}`, webAssembly: platform !== 'wx' && webAssembly, onConsole: opts.onConsole });
  const ctx = realm.context;
  const appJsonPath = path.join(root, 'app.json');
  const appJson = fs.existsSync(appJsonPath) ? JSON.parse(fs.readFileSync(appJsonPath, 'utf8')) : {};

  let api;
  if (platform === 'wx') {
    api = createWx({ realm, device, root, opts: opts.platformOptions || {} });
    ctx.wx = api.wx;
    ctx.WXWebAssembly = api.WXWebAssembly;
  } else if (RUNTIME_NAMES.includes(platform)) {
    // tests/emulation/runtimes.js: tt, qq, swan, ks, uni, dd
    api = createRuntime(platform, { realm, device, root, opts: opts.platformOptions || {} });
    ctx[platform] = api.api;
  } else {
    const po = Object.assign({}, opts.platformOptions);
    if (po.defaultMultiple === undefined) po.defaultMultiple = !!(appJson.behavior && appJson.behavior.connectSocketDefaultMultiple);
    api = createMy({ realm, device, root, opts: po });
    ctx.my = api.my;
  }

  let appDef = null;
  let pageDef = null;
  ctx.App = (def) => {
    appDef = def;
  };
  ctx.Page = (def) => {
    pageDef = def;
  };
  ctx.getApp = () => appDef;
  let inst = null;
  ctx.getCurrentPages = () => realm.toRealm(inst ? [inst] : []);

  const modules = createModuleSystem(realm, root, { npmDir: platform === 'wx' ? 'miniprogram_npm' : 'node_modules' });
  const history = [];
  let closed = false;
  const call = (obj, name, ...args) => (obj && typeof obj[name] === 'function' ? obj[name](...args) : undefined);
  const handle = {
    platform,
    root,
    device,
    api,
    realm,
    history,
    console: realm.console,
    ui: api.ui,
    get page() {
      return inst;
    },
    get data() {
      return inst.data;
    },
    get sockets() {
      return device.sockets;
    },
    /** Calls a tap handler named in the template with a tap event. */
    tap(name, dataset = {}) {
      const names = templateHandlers(root, pagePath, platform);
      if (names && !names.has(name)) throw new Error(`${pagePath}: no tap handler "${name}" in the template (has: ${[...names].join(', ')})`);
      if (typeof inst[name] !== 'function') throw new Error(`${pagePath}: page has no method ${name}`);
      const ev = realm.toRealm({ type: 'tap', timeStamp: Date.now(), currentTarget: { dataset }, target: { dataset }, detail: {} });
      return inst[name](ev);
    },
    call(name, ...args) {
      if (typeof inst[name] !== 'function') throw new Error(`${pagePath}: page has no method ${name}`);
      return inst[name](...args);
    },
    hide: () => device.hide(),
    show: () => device.show(),
    setOnline: (on, type) => device.setOnline(on, type),
    /** Resolves when pred(data) holds (checked after every setData and every 20 ms). */
    waitFor(pred, { timeout = 10000, what = 'condition' } = {}) {
      return poll(() => pred(inst.data, handle), timeout, `${pagePath}: timed out waiting for ${what}`, handle);
    },
    /** Resolves with the first console entry matching re. */
    waitForConsole(re, { timeout = 10000 } = {}) {
      return poll(() => realm.console.find((e) => re.test(e.text)), timeout, `${pagePath}: timed out waiting for console ${re}`, handle);
    },
    close() {
      if (closed) return;
      closed = true;
      live.delete(handle);
      try {
        call(inst, 'onUnload');
      } catch (e) {
        realm.console.push({ level: 'error', text: 'onUnload threw: ' + e.message });
      }
      realm.dispose();
      device.dispose(ownDevice ? undefined : realm);
    },
  };
  live.add(handle);

  const appJs = path.join(root, 'app.js');
  if (fs.existsSync(appJs)) modules.load(appJs);
  const launch = realm.toRealm({ path: pagePath, query: opts.query || {}, scene: 1001 });
  if (api.setShowOptions) api.setShowOptions({ path: pagePath, query: opts.query || {}, scene: 1001 });
  device.on('hide', () => {
    if (closed) return;
    call(inst, 'onHide');
    call(appDef, 'onHide');
  });
  device.on('show', () => {
    if (closed) return;
    call(appDef, 'onShow', launch);
    call(inst, 'onShow');
  });

  const pageFile = modules.resolve('/' + pagePath + '.js');
  if (!pageFile) throw new Error(`${root}: page ${pagePath}.js not found`);
  modules.load(pageFile);
  if (!pageDef) throw new Error(`${pagePath}.js did not call Page()`);

  inst = realm.toRealm({});
  for (const k of Object.keys(pageDef)) if (k !== 'data') inst[k] = pageDef[k];
  inst.data = cloneData(pageDef.data || {}, realm);
  inst.route = pagePath;
  inst.setData = function setData(patch, cb) {
    if (patch === null || typeof patch !== 'object') throw realm.error('setData argument should be an object');
    for (const k of Object.keys(patch)) setPath(inst.data, k, patch[k], realm);
    history.push({ at: Date.now(), patch: snapshot(patch) });
    if (typeof cb === 'function') setImmediate(() => cb());
  };

  call(appDef, 'onLaunch', launch);
  call(appDef, 'onShow', launch);
  await call(inst, 'onLoad', realm.toRealm(opts.query || {}));
  call(inst, 'onShow');
  call(inst, 'onReady');
  return handle;
}

function poll(check, timeout, message, handle) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      let r;
      try {
        r = check();
      } catch (e) {
        return reject(e);
      }
      if (r) return resolve(r);
      if (Date.now() - started > timeout) {
        const err = new Error(message);
        err.console = handle.console.slice(-20);
        return reject(err);
      }
      setTimeout(tick, 20);
    };
    tick();
  });
}

module.exports = { runPage, detectPlatform, Device };
