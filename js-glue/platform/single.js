'use strict';
/**
 * Platform selection of a one-platform build (dist/wx/, dist/my/; scripts/bundle.js puts
 * one of these in place of ./index so the other platforms' modules are not shipped). A page
 * that loads the wrong build gets the platform's own error plus which files to use instead.
 */

/**
 * @param {function(object): object} create  createWxPlatform or createMyPlatform
 * @param {string} build  the build's folder (dist/wx/, dist/my/), named in the error
 * @returns {function(object): object} selectPlatform
 */
function singlePlatform(create, build) {
  return function selectPlatform(options) {
    try {
      return create(options);
    } catch (e) {
      e.message += ' (this is the ' + build + ' build: Alipay pages use dist/my/, WeChat pages dist/wx/, others dist/mqtt.min.js)';
      throw e;
    }
  };
}

module.exports = { singlePlatform };
