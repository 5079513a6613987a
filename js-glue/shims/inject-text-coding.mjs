// esbuild `inject` entry (scripts/bundle.js): free references to TextEncoder/TextDecoder in
// the bundle — wasm-bindgen's shims create both at load time — resolve to the UTF-8 shim.
export { TextEncoder, TextDecoder } from './text-coding.js';
