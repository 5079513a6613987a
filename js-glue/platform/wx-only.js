'use strict';
/** selectPlatform of the WeChat build (dist/wx/): only ./wx is bundled. */
const { createWxPlatform } = require('./wx');
const { singlePlatform } = require('./single');

module.exports = { selectPlatform: singlePlatform(createWxPlatform, 'WeChat (dist/wx/)') };
