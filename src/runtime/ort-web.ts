// The browser's onnxruntime-web build with the native WebGPU EP (and wasm as the fallback), configured once. Two
// builds: JSPI (16.8 MB wasm; needs WebAssembly.Suspending, Chromium 137+) and asyncify (26.8 MB; every browser).
// Each is its own chunk, so a page fetches only the one it uses.
import type { LoadedOrt, OrtBuild, OrtBuildChoice } from './ort-build-types';
import type { Ort } from './ort-runner';

export const jspiSupported = (): boolean => typeof (WebAssembly as { Suspending?: unknown }).Suspending === 'function';

export async function browserOrt(crossOriginIsolated: boolean, cores: number, choice: OrtBuildChoice = 'auto'): Promise<LoadedOrt> {
  const build: OrtBuild = choice === 'auto' ? (jspiSupported() ? 'jspi' : 'asyncify') : choice;
  const { ort, glue, wasm } = build === 'jspi' ? await import('./ort-build-jspi') : await import('./ort-build-asyncify');
  // Our own copies of the wasm files: without this, ORT fetches its glue from a CDN for threaded workers.
  ort.env.wasm.wasmPaths = { mjs: glue, wasm };
  // Threads need SharedArrayBuffer, which only cross-origin-isolated pages get. On two cores a second thread made the
  // tiny model about 2× slower (README, "Cross-origin isolation"), so threads start above two cores.
  ort.env.wasm.numThreads = crossOriginIsolated && cores > 2 ? Math.min(4, cores) : 1;
  ort.env.logLevel = 'error';
  return { ort: ort as unknown as Ort, build };
}
