// esbuild `inject` entry (scripts/bundle.js): free references to TextEncoder/TextDecoder in
// the bundle — wasm-bindgen's shims create both at load time — resolve to the UTF-8 shim.
import shim from './text-coding.js';

export const TextEncoder = shim.TextEncoder;
export const TextDecoder = shim.TextDecoder;
