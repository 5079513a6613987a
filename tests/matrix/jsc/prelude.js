/*
 * The first script in the JavaScriptCore shell (tests/matrix/jsc-host.js): what the WeChat
 * iOS logic layer gives a page and the jsc shell lacks (clearTimeout, setInterval, console),
 * then WebAssembly taken away. `WXWebAssembly`, when the row wants it, is the engine's own
 * WebAssembly behind WeChat's path-only instantiate(path, imports): the shell cannot
 * decompress brotli, so the host has written the decompressed module beside each .wasm.br
 * (JSC_CONFIG.wasmFiles maps the code-package path to it).
 */
var __hostSetTimeout = setTimeout;
var __live = {};
var __nextTimer = 1;
setTimeout = function (fn, ms) {
  var args = Array.prototype.slice.call(arguments, 2);
  var id = __nextTimer++;
  __live[id] = true;
  __hostSetTimeout(function () {
    if (!__live[id]) return;
    delete __live[id];
    fn.apply(undefined, args);
  }, +ms || 0);
  return id;
};
clearTimeout = function (id) {
  delete __live[id];
};
setInterval = function (fn, ms) {
  var id = __nextTimer++;
  __live[id] = true;
  (function tick() {
    __hostSetTimeout(function () {
      if (!__live[id]) return;
      fn();
      tick();
    }, +ms || 0);
  })();
  return id;
};
clearInterval = clearTimeout;
var console = {
  log: function () { print('[log] ' + Array.prototype.join.call(arguments, ' ')); },
  warn: function () { print('[warn] ' + Array.prototype.join.call(arguments, ' ')); },
  error: function () { print('[error] ' + Array.prototype.join.call(arguments, ' ')); },
};

(function (global) {
  var engine = global.WebAssembly;
  delete global.WebAssembly;
  if (typeof WebAssembly !== 'undefined') throw new Error('could not delete WebAssembly');
  if (!JSC_CONFIG.wxWebAssembly) return;
  global.WXWebAssembly = {
    instantiate: function (path, imports) {
      if (typeof path !== 'string') return Promise.reject(new Error('WXWebAssembly.instantiate: path must be a string'));
      if (!/\.wasm(\.br)?$/.test(path)) return Promise.reject(new Error('WXWebAssembly.instantiate: ' + path + ' is not a .wasm or .wasm.br file'));
      var file = JSC_CONFIG.wasmFiles[path.replace(/^\/?/, '/')];
      if (!file) return Promise.reject(new Error('WXWebAssembly.instantiate: wasm file not found: ' + path));
      return engine.instantiate(read(file, 'binary'), imports);
    },
  };
})(this);
