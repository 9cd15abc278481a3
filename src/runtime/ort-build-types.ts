// The onnxruntime-web builds the browser can run (kept apart from ort-web.ts, whose wasm URL imports only Vite resolves).
import type { Ort } from './ort-runner';

export type OrtBuild = 'jspi' | 'asyncify';
export type OrtBuildChoice = OrtBuild | 'auto';

export interface LoadedOrt {
  ort: Ort;
  build: OrtBuild;
}
