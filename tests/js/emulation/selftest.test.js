'use strict';
/**
 * The self-test pages (example-miniapp/{wechat,alipay}/pages/selftest) with their shared checklist
 * (example-miniapp/selftest/checklist.js), run in the emulations against a local aedes, the
 * page's default public broker URL rewritten to it (loopback only):
 *  - WeChat: the packed tarball (scripts/pack) installed in a copy of example-miniapp/wechat and
 *    put through WeChat's own npm build (miniprogram-ci packNpm, offline): the page loads
 *    mpmqtt from miniprogram_npm/ and the wasm from there (no other wasm in the package);
 *  - Alipay: dist/my in utils/, with the WebAssembly core and with the wasm2js fallback.
 * Every checklist line must PASS, including hide/show with the socket interrupted in between.
 */
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { runPage } = require('../../emulation/runner');
const { startAedes } = require('../../support/aedes');
const { REPO } = require('../../support/page');

const EXAMPLES = path.join(REPO, 'example-miniapp');
const { DEFAULT_BROKER } = require(path.join(EXAMPLES, 'selftest', 'checklist.js'));
const DIST = path.join(REPO, 'dist');
const distMissing = !fs.existsSync(path.join(DIST, 'wx', 'mqtt.min.js')) && 'dist/ not built (scripts/build-wasm && node scripts/bundle.js && scripts/build-fallback)';
const CHECKS = ['connect to ', 'core loaded', 'subscribe ', 'QoS 0 round trip', 'QoS 1 round trip', 'QoS 2 round trip', '1 MiB payload (QoS 1)', 'reconnect after the socket is closed', 'app hide/show'];
const BROKER_ORIGIN = /^wss:\/\/[^/]+/.exec(DEFAULT_BROKER)[0];

function copyProject(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpmqtt-selftest-'));
  const root = path.join(dir, name);
  // The project as committed: scripts/demo leaves the library's files in utils/ (gitignored),
  // which would put a second copy of the core beside the npm build's.
  const builtHere = (src) => /[/\\](node_modules|miniprogram_npm)$/.test(src) || /[/\\]utils[/\\]mqtt\.[^/\\]+$/.test(src);
  fs.cpSync(path.join(EXAMPLES, name), root, { recursive: true, filter: (src) => !builtHere(src) });
  fs.mkdirSync(path.join(root, 'utils'), { recursive: true });
  fs.copyFileSync(path.join(EXAMPLES, 'selftest', 'checklist.js'), path.join(root, 'utils', 'checklist.js'));
  return { dir, root };
}

function filesUnder(dir, skip = () => false, prefix = '') {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + ent.name;
    if (skip(rel)) continue;
    if (ent.isDirectory()) out.push(...filesUnder(path.join(dir, ent.name), skip, rel + '/'));
    else out.push({ rel, size: fs.statSync(path.join(dir, ent.name)).size });
  }
  return out;
}

/** Runs the page's checklist to its end, hiding the app (long enough to lose the socket) at the hide/show step. */
async function runChecklistPage(root, opts) {
  const b = await startAedes({ path: '/mqtt' });
  let page;
  try {
    page = await runPage(root, 'pages/selftest/index', Object.assign({ query: { autorun: '1' }, rewrite: { [BROKER_ORIGIN]: b.url.replace(/\/mqtt$/, '') }, hideCloseDelay: 50 }, opts));
    await page.waitFor((d) => d.lines.some((l) => l.name === 'app hide/show' && l.state === 'RUN') || d.report, { timeout: 60000, what: 'the hide/show step' });
    const socketsBefore = page.sockets.length;
    page.hide();
    await new Promise((r) => setTimeout(r, 300));
    page.show();
    await page.waitFor((d) => d.report, { timeout: 30000, what: 'the report' });
    // Values from the page realm, as plain host values.
    return { data: JSON.parse(JSON.stringify(page.data)), socketsBefore, sockets: page.sockets.length, errors: page.console.filter((e) => e.level === 'error') };
  } finally {
    if (page) page.close();
    await b.stop();
  }
}

function assertAllPass(data) {
  const lines = data.lines;
  assert.deepStrictEqual(lines.map((l) => CHECKS.find((c) => l.name.startsWith(c))), CHECKS, 'every check, in order: ' + JSON.stringify(lines.map((l) => l.name)));
  const failed = lines.filter((l) => l.state !== 'PASS');
  assert.deepStrictEqual(failed, [], 'all PASS:\n' + data.report);
  assert.match(data.report, /all 9 passed$/);
  for (const l of lines) assert.ok(Number.isInteger(l.ms) && l.ms >= 0, 'a timing per line');
  return Object.fromEntries(lines.map((l) => [CHECKS.find((c) => l.name.startsWith(c)), l.detail]));
}

test('WeChat: packed tarball + miniprogram-ci npm build; the self-test page loads mpmqtt and its wasm from miniprogram_npm/ and passes every check', { skip: distMissing, timeout: 120000 }, async (t) => {
  const ci = require('miniprogram-ci');
  const out = execFileSync('bash', [path.join(REPO, 'scripts', 'pack'), '--no-bundle'], { cwd: REPO, encoding: 'utf8' });
  const tarball = path.join(REPO, /dist\/(mpmqtt-[^\s]+\.tgz)/.exec(out)[0]);
  const { dir, root } = copyProject('wechat');
  try {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'mpmqtt-selftest', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', tarball], { cwd: root, stdio: 'pipe' });

    // packNpm needs a Project, and a Project a key file; building npm never signs or uploads
    // anything, so a throwaway key does (the appid is the IDE's tourist one).
    const keyFile = path.join(dir, 'throwaway.key');
    fs.writeFileSync(keyFile, crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const project = new ci.Project({ appid: 'touristappid', type: 'miniProgram', projectPath: root, privateKeyPath: keyFile, ignores: ['node_modules/**/*'] });
    const reports = [];
    const warnings = await ci.packNpm(project, { reporter: (r) => reports.push(r) });
    assert.deepStrictEqual(warnings, [], 'no warnings from the npm build');
    assert.strictEqual(reports.length, 1);
    assert.strictEqual(reports[0].miniprogram_pack_num, 1, 'mpmqtt was built from its `miniprogram` folder');
    assert.strictEqual(reports[0].other_pack_num, 0);

    const built = filesUnder(path.join(root, 'miniprogram_npm'));
    assert.deepStrictEqual(built.map((f) => f.rel).sort(), ['mpmqtt/index.js', 'mpmqtt/mqtt.min.js', 'mpmqtt/mqtt.wasm.br']);
    for (const f of ['mqtt.min.js', 'mqtt.wasm.br']) {
      assert.ok(fs.readFileSync(path.join(root, 'miniprogram_npm', 'mpmqtt', f)).equals(fs.readFileSync(path.join(DIST, 'wx', f))), f + ' is the WeChat build');
    }
    // The code package: everything DevTools uploads (node_modules and package files stay home).
    const pkgFiles = filesUnder(root, (rel) => /^(node_modules|package\.json|package-lock\.json)$/.test(rel));
    const wasmFiles = pkgFiles.filter((f) => /\.wasm/.test(f.rel)).map((f) => f.rel);
    assert.deepStrictEqual(wasmFiles, ['miniprogram_npm/mpmqtt/mqtt.wasm.br'], 'the only wasm in the package is the npm build\'s');
    const npmBytes = built.reduce((n, f) => n + f.size, 0);
    const total = pkgFiles.reduce((n, f) => n + f.size, 0);
    t.diagnostic(`miniprogram_npm/mpmqtt ${npmBytes} B; code package ${total} B (${pkgFiles.length} files)`);
    // Its size is the WeChat page's (scripts/size-budget holds that) plus index.js.
    assert.ok(total < 2 * 1024 * 1024, 'under the 2 MB main-package limit');

    const r = await runChecklistPage(root, {});
    const detail = assertAllPass(r.data);
    assert.strictEqual(detail['core loaded'], 'WebAssembly core (WXWebAssembly /miniprogram_npm/mpmqtt/mqtt.wasm.br)');
    assert.ok(r.sockets > r.socketsBefore, 'hide closed the socket and the client opened another after show');
    assert.deepStrictEqual(r.errors, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const core of ['WebAssembly', 'wasm2js fallback']) {
  test(`Alipay: the self-test page (dist/my in utils/) passes every check on the ${core} core`, { skip: distMissing, timeout: 120000 }, async () => {
    const { dir, root } = copyProject('alipay');
    try {
      for (const f of ['mqtt.min.js', 'mqtt.wasm.js', 'mqtt.fallback.js']) fs.copyFileSync(path.join(DIST, 'my', f), path.join(root, 'utils', f));
      const r = await runChecklistPage(root, { webAssembly: core === 'WebAssembly' });
      const detail = assertAllPass(r.data);
      assert.strictEqual(detail['core loaded'], core === 'WebAssembly' ? 'WebAssembly core (WebAssembly)' : 'wasm2js fallback core (no WebAssembly here)');
      assert.ok(r.sockets > r.socketsBefore, 'hide closed the socket and the client opened another after show');
      assert.deepStrictEqual(r.errors, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
