'use strict';
/**
 * The TextEncoder/TextDecoder that wasm-bindgen's shims construct at load time, for runtimes
 * without them (WeChat, Alipay, old iOS). The bundle injects these classes in place of the
 * globals (scripts/bundle.js), so it behaves the same everywhere. They provide exactly what
 * the shims use — `new TextEncoder().encode(string)` (the shims add `encodeInto` themselves
 * when it is missing) and `new TextDecoder('utf-8', { ignoreBOM: true }).decode(view)` of
 * strings Rust produced, which are always valid UTF-8 — on the glue's one UTF-8 codec.
 */
const utf8 = require('../shared/utf8');

class TextEncoder {
  get encoding() {
    return 'utf-8';
  }

  encode(input) {
    return utf8.encode(input === undefined ? '' : String(input));
  }
}

class TextDecoder {
  get encoding() {
    return 'utf-8';
  }

  /** Keeps a BOM (the shims ask for `ignoreBOM`); invalid input becomes U+FFFD. */
  decode(input) {
    return input === undefined ? '' : utf8.decode(input);
  }
}

module.exports = { TextEncoder, TextDecoder };
