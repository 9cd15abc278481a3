// Loads the fixture model in Node through the same runtime code the worker uses (onnxruntime-web's wasm EP).
import { readFile, access } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { loadSdxl, type LoadedModel } from '../../src/runtime/load-sdxl';
import type { ModelFiles } from '../../src/runtime/model-files';
import { RunClock } from '../../src/runtime/ort-runner';
import { modelDir } from './reference';

ort.env.wasm.numThreads = 1;

export function dirModelFiles(dir: string): ModelFiles {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return {
    location: base,
    bytes: async (path) => new Uint8Array(await readFile(base + path)),
    json: async (path) => JSON.parse(await readFile(base + path, 'utf8')),
    exists: (path) => access(base + path).then(() => true, () => false),
  };
}

let cached: Promise<LoadedModel> | undefined;
export const clock = new RunClock();
/** The tiny fixture model, loaded once per test file. */
export function tinyModel(): Promise<LoadedModel> {
  cached ??= loadSdxl(dirModelFiles(modelDir), { ort, provider: 'wasm', clock });
  return cached;
}
