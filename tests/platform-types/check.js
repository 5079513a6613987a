'use strict';
/**
 * Type-checks the platform modules' calls into each platform's API against that platform's
 * official typings (`tsc --checkJs`, through the compiler API so the typings are parsed once):
 *
 *   wx    js-glue/platform/wx.js                       miniprogram-api-typings
 *   my    js-glue/platform/my.js, dd.js                @mini-types/my
 *   tt    js-glue/platform/socket-task.js, runtimes.js @douyin-microapp/typings
 *   uni   js-glue/platform/socket-task.js, runtimes.js @dcloudio/types
 *   taro  js-glue/platform/socket-task.js              @tarojs/taro (its type files only)
 *
 * The modules name `PlatformApi.*` types in JSDoc; platforms/<name>.d.ts maps them to the
 * official ones for one program. Each program also type-checks a small shim that hands the
 * official API (tt.connectSocket, Taro.connectSocket, the API objects' lifecycle events) to
 * the module, so a signature mismatch fails too. QQ, Baidu, Kuaishou and DingTalk publish no
 * typings on npm: their rows are not checked here.
 *
 *   node tests/platform-types/check.js   prints PASS/FAIL per platform, exits 1 on any error
 */
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const REPO = path.resolve(__dirname, '..', '..');
const PLATFORM_DIR = path.join(REPO, 'js-glue', 'platform');
const MAPPINGS = path.join(__dirname, 'platforms');

const OPTIONS = {
  allowJs: true,
  checkJs: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
  lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
  types: [],
  typeRoots: [path.join(REPO, 'node_modules')],
  baseUrl: REPO,
  // Also for copies of the modules outside the repository (check.test.js).
  paths: { '@tarojs/taro': ['node_modules/@tarojs/taro'] },
};

/** The shim of each program: the official API handed to the module (`@root` = the platform folder). */
const SHIMS = {
  wx: `
import { createWxPlatform } from '@root/wx';
import wxStorage = require('@root/../store/wx-storage');
createWxPlatform({ wx });
wxStorage(wx);
`,
  my: `
import { createMyPlatform } from '@root/my';
import { createDdPlatform } from '@root/dd';
import myStorage = require('@root/../store/my-storage');
createMyPlatform({ my });
createDdPlatform({ dd });
myStorage(my);
`,
  tt: `
import { createSocketTaskPlatform } from '@root/socket-task';
createSocketTaskPlatform({ name: 'tt', label: 'ByteDance', fn: 'tt.connectSocket', api: tt, connectSocket: tt.connectSocket }, {});
`,
  uni: `
import { createSocketTaskPlatform } from '@root/socket-task';
createSocketTaskPlatform({ name: 'uni', label: 'uni-app', fn: 'uni.connectSocket', api: uni, connectSocket: uni.connectSocket }, {});
`,
  taro: `
import Taro from '@tarojs/taro';
import { createSocketTaskPlatform } from '@root/socket-task';
createSocketTaskPlatform({ name: 'custom', label: 'Taro', fn: 'Taro.connectSocket', api: Taro, connectSocket: Taro.connectSocket }, {});
`,
};

/** The modules each program checks (beside what they require, which is checked too). */
const MODULES = {
  wx: ['wx.js', '../store/wx-storage.js'],
  my: ['my.js', 'dd.js', '../store/my-storage.js'],
  tt: ['socket-task.js', 'runtimes.js'],
  uni: ['socket-task.js', 'runtimes.js'],
  taro: ['socket-task.js'],
};

const PLATFORMS = Object.keys(MODULES);

// Parsed files shared by every program (the typings are megabytes); keyed by path and text so
// a mutated copy of a module is parsed afresh.
const parsed = new Map();

function makeHost(virtualFiles) {
  const host = ts.createCompilerHost(OPTIONS, true);
  const read = (file) => (virtualFiles.has(file) ? virtualFiles.get(file) : ts.sys.readFile(file));
  host.readFile = read;
  host.fileExists = (file) => virtualFiles.has(file) || ts.sys.fileExists(file);
  host.getSourceFile = (file, languageVersion) => {
    const text = read(file);
    if (text === undefined) return undefined;
    const key = file + '\0' + text.length + '\0' + text.slice(0, 64);
    const hit = parsed.get(file);
    if (hit && hit.key === key && hit.text === text) return hit.sf;
    const sf = ts.createSourceFile(file, text, languageVersion, true);
    parsed.set(file, { key, text, sf });
    return sf;
  };
  return host;
}

/**
 * Type-checks one platform's modules.
 * @param {string} platform  one of PLATFORMS
 * @param {{root?: string}} [opts]  root: a folder holding copies of js-glue/platform's modules
 *   (with js-glue's other folders beside it), for tests that break a copy
 * @returns {{platform: string, errors: string[]}}
 */
function checkPlatform(platform, opts = {}) {
  const root = opts.root || PLATFORM_DIR;
  const shimFile = path.join(root, '__platform_types_shim_' + platform + '.ts');
  const virtualFiles = new Map([[shimFile, SHIMS[platform].replace(/@root\//g, './')]]);
  // Build outputs the bundle places beside mqtt.min.js; the modules require them at run time.
  for (const built of ['mqtt.wasm.js', 'mqtt.fallback.js']) virtualFiles.set(path.join(root, built), 'module.exports = /** @type {any} */ ({});\n');
  const rootNames = [path.join(MAPPINGS, 'common.d.ts'), path.join(MAPPINGS, platform + '.d.ts'), shimFile].concat(MODULES[platform].map((m) => path.join(root, m)));
  const program = ts.createProgram({ rootNames, options: OPTIONS, host: makeHost(virtualFiles) });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const errors = diagnostics
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const where = d.file ? path.relative(REPO, d.file.fileName) + ':' + (d.file.getLineAndCharacterOfPosition(d.start).line + 1) + ': ' : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    });
  return { platform, errors };
}

module.exports = { checkPlatform, PLATFORMS, MODULES, PLATFORM_DIR };

if (require.main === module) {
  let failed = 0;
  for (const platform of process.argv.slice(2).length ? process.argv.slice(2) : PLATFORMS) {
    const started = Date.now();
    const { errors } = checkPlatform(platform);
    const what = MODULES[platform].join(', ') + ' against the ' + platform + ' typings';
    if (errors.length) {
      failed++;
      console.log('FAIL ' + what);
      for (const e of errors) console.log('  ' + e);
    } else {
      console.log('PASS ' + what + ' (' + (Date.now() - started) + ' ms)');
    }
  }
  process.exit(failed ? 1 : 0);
}
