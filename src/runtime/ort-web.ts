// The browser's onnxruntime-web build with the native WebGPU EP (and wasm as the fallback), configured once.
import * as ort from 'onnxruntime-web/webgpu';
import wasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { Ort } from './ort-runner';

export function browserOrt(crossOriginIsolated: boolean, cores: number): Ort {
  // Our own copies of the wasm files: without this, ORT fetches its glue from a CDN for threaded workers.
  ort.env.wasm.wasmPaths = { mjs: wasmGlueUrl, wasm: wasmBinaryUrl };
  // Threads need SharedArrayBuffer, which only cross-origin-isolated pages get.
  ort.env.wasm.numThreads = crossOriginIsolated ? Math.max(1, Math.min(4, cores)) : 1;
  ort.env.logLevel = 'error';
  return ort as unknown as Ort;
}
