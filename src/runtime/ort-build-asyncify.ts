// onnxruntime-web's WebGPU build on asyncify (works in every browser with WebAssembly), with its own wasm files.
import * as ort from 'onnxruntime-web/webgpu';
import glue from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

export { glue, ort, wasm };
