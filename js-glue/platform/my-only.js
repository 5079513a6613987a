'use strict';
/** selectPlatform of the Alipay build (dist/my/): only ./my is bundled. */
const { createMyPlatform } = require('./my');
const { singlePlatform } = require('./single');

module.exports = { selectPlatform: singlePlatform(createMyPlatform, 'dist/my/') };
