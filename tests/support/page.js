'use strict';
/**
 * Helpers to run mini-program pages against test brokers.
 *
 *  - installDist(distDir, projectDir): copies what a page of the project's platform ships
 *    (our dist/wx/ or dist/my/, or MQTT.js' mqtt.min.js) into its utils/, as a developer does.
 *  - seedProject(name, distDir): a throw-away project (temp dir) holding seed page `name`
 *    ('seed000' Alipay, 'seed001' WeChat) unchanged as pages/index/index.js, the dist in
 *    utils/ and, for seed 001, utils/hex_hmac_sha1.js from the WeChat example.
 *  - originRewrite(pageUrl, localUrl): the test URL rewrite mapping the page's wss://host
 *    (any path kept) onto a local ws://host:port.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(REPO, 'example-miniapp');
const SEED_PAGES = path.join(REPO, 'tests', 'emulation', 'seed-pages');
/** MQTT.js 4.2.1's browserify bundle: the last release that connects in a WeChat-like vm. */
const MQTTJS4_DIST = path.join(REPO, 'node_modules', 'mqtt4', 'dist');

const tempDirs = new Set();
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Runtime files of the package that go into a mini-program (scripts/bundle.js' outputs):
 * not the typings, packed tarballs or source maps, and not mqtt.wasm, which is for Node only.
 */
const SKIP_IN_MINIPROGRAM = /(\.d\.ts|\.tgz|\.map)$|^mqtt\.wasm$/;

/** 'wx' or 'my' from a project's config file (project.config.json / mini.project.json), else null. */
function projectPlatform(projectDir) {
  if (fs.existsSync(path.join(projectDir, 'project.config.json'))) return 'wx';
  if (fs.existsSync(path.join(projectDir, 'mini.project.json'))) return 'my';
  return null;
}

/**
 * The folder a page installs from: for our dist the one-platform build of the project's
 * platform (dist/wx/, dist/my/: what README tells a page to ship), for MQTT.js' dist itself.
 */
function shippedFolder(distDir, projectDir) {
  const platform = projectPlatform(projectDir);
  if (distDir === MQTTJS4_DIST || !platform) return distDir;
  const own = path.join(distDir, platform);
  if (!fs.existsSync(path.join(own, 'mqtt.min.js'))) throw new Error(`${own}/mqtt.min.js not found: node scripts/bundle.js builds it`);
  return own;
}

/** Copies the runtime files a page of projectDir's platform ships into projectDir/utils; returns the copied names. */
function installDist(distDir, projectDir) {
  if (!fs.existsSync(path.join(distDir, 'mqtt.min.js'))) throw new Error(`${distDir}/mqtt.min.js not found: build first`);
  const from = shippedFolder(distDir, projectDir);
  const utils = path.join(projectDir, 'utils');
  fs.mkdirSync(utils, { recursive: true });
  const copied = [];
  for (const name of fs.readdirSync(from)) {
    const src = path.join(from, name);
    // MQTT.js' dist also holds unminified and ESM variants; only the files beside ours matter.
    if (from === MQTTJS4_DIST && name !== 'mqtt.min.js') continue;
    // Variant folders (dist/clouds/, dist/wx/) are other builds, not files beside this one.
    if (SKIP_IN_MINIPROGRAM.test(name) || fs.statSync(src).isDirectory()) continue;
    fs.copyFileSync(src, path.join(utils, name));
    copied.push(name);
  }
  return copied;
}

function seedProject(name, distDir) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mpmqtt-${name}-`));
  tempDirs.add(dir);
  fs.mkdirSync(path.join(dir, 'pages', 'index'), { recursive: true });
  if (name === 'seed000') {
    fs.copyFileSync(path.join(SEED_PAGES, 'seed000-alipay-index.js'), path.join(dir, 'pages', 'index', 'index.js'));
    fs.writeFileSync(path.join(dir, 'mini.project.json'), JSON.stringify({ format: 2, compileType: 'mini' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'] }));
  } else if (name === 'seed001') {
    fs.copyFileSync(path.join(SEED_PAGES, 'seed001-wechat-index.js'), path.join(dir, 'pages', 'index', 'index.js'));
    fs.writeFileSync(path.join(dir, 'project.config.json'), JSON.stringify({ compileType: 'miniprogram' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'] }));
    fs.mkdirSync(path.join(dir, 'utils'));
    fs.copyFileSync(path.join(EXAMPLES, 'wechat', 'utils', 'hex_hmac_sha1.js'), path.join(dir, 'utils', 'hex_hmac_sha1.js'));
  } else {
    throw new Error(`unknown seed ${name}`);
  }
  installDist(distDir, dir);
  return dir;
}

/** {'wss://host': 'ws://127.0.0.1:port'} for a page URL such as wxs://host/path or wss://host. */
function originRewrite(pageUrl, localUrl) {
  const host = /^[a-z]+:\/\/([^/:?#]+)/i.exec(pageUrl);
  const local = /^(wss?:\/\/[^/?#]+)/i.exec(localUrl);
  if (!host || !local) throw new Error(`cannot map ${pageUrl} onto ${localUrl}`);
  return { [`wss://${host[1]}:443`]: local[1], [`wss://${host[1]}`]: local[1] };
}

const onePageDirs = new Set();
process.on('exit', () => onePageDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * A WeChat (`wx`) or Alipay (`my`) project in a temporary folder (removed at exit) with one
 * page, pages/index/index.js = `page`, and dist/ (or `distDir`) installed as a page would ship it.
 * @returns {{dir: string, copied: string[]}} the folder and the files installDist copied
 */
function onePageProject(platform, page, prefix, distDir = path.join(REPO, 'dist')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-${platform}-`));
  onePageDirs.add(dir);
  fs.mkdirSync(path.join(dir, 'pages', 'index'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'pages', 'index', 'index.js'), page);
  if (platform === 'wx') {
    fs.writeFileSync(path.join(dir, 'project.config.json'), JSON.stringify({ compileType: 'miniprogram' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'] }));
  } else {
    fs.writeFileSync(path.join(dir, 'mini.project.json'), JSON.stringify({ format: 2, compileType: 'mini' }));
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/index/index'], behavior: { connectSocketDefaultMultiple: true } }));
  }
  return { dir, copied: installDist(distDir, dir) };
}

module.exports = { installDist, onePageProject, shippedFolder, seedProject, originRewrite, REPO, EXAMPLES, SEED_PAGES, MQTTJS4_DIST };
