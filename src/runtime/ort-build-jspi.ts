// onnxruntime-web's WebGPU build on JSPI (JavaScript Promise Integration: smaller wasm, no asyncify rewriting), with
// its own wasm files. Needs WebAssembly.Suspending.
import * as ort from 'onnxruntime-web/jspi';
import glue from 'onnxruntime-web/ort-wasm-simd-threaded.jspi.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.jspi.wasm?url';

export { glue, ort, wasm };
