// Loads the fixture model in Node through the same runtime code the worker uses: onnxruntime-web's wasm EP, or, when
// SDXL_TEST_RUNNER=ort-node-cpu (vitest's ort-node-cpu project), the Node engine on onnxruntime-node's CPU EP.
import { readFile, access } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { PNG } from 'pngjs';
import { base64ToBytes } from '../../src/pipeline/base64';
import { Engine, type EngineDeps } from '../../src/worker/engine';
import { loadSdxl, type LoadedModel } from '../../src/runtime/load-sdxl';
import type { ModelFiles } from '../../src/runtime/model-files';
import type { ModelRunner } from '../../src/pipeline/runners';
import type { Tensor } from '../../src/pipeline/tensor';
import { RunClock } from '../../src/runtime/ort-runner';
import { modelDir } from './reference';
import { loadNodeModel } from '../../src/node/load-node-model';
import { nodeEngine as nodeCpuEngine } from '../../src/node/node-engine';

/** Which runner the engine-level fixture tests run on (vitest.config.ts runs some files on both). */
export const TEST_RUNNER: 'ort-web-wasm' | 'ort-node-cpu' = process.env.SDXL_TEST_RUNNER === 'ort-node-cpu' ? 'ort-node-cpu' : 'ort-web-wasm';

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
  cached ??= TEST_RUNNER === 'ort-node-cpu'
    ? loadNodeModel(modelDir, { provider: 'cpu', clock })
    : loadSdxl(dirModelFiles(modelDir), { ort, provider: 'wasm', clock });
  return cached;
}

let cachedDevice: Promise<LoadedModel> | undefined;
/** The tiny model with the device loop on the wasm EP (the same graphs the WebGPU EP runs, on the CPU). */
export function tinyDeviceLoopModel(): Promise<LoadedModel> {
  cachedDevice ??= loadSdxl(dirModelFiles(modelDir), { ort, provider: 'wasm', clock, deviceLoop: true });
  return cachedDevice;
}

/**
 * The worker's engine in Node, with PNG encode/decode by pngjs standing in for OffscreenCanvas/createImageBitmap; on
 * the ort-node-cpu runner, the CLI's own engine (onnxruntime-node, sharp).
 */
export function nodeEngine(): Engine {
  return TEST_RUNNER === 'ort-node-cpu' ? nodeCpuEngine({ provider: 'cpu', randomSeed: () => 123456 }) : new Engine(nodeEngineDeps());
}

export function nodeEngineDeps(): EngineDeps {
  return {
    ort,
    probe: async () => ({ provider: 'wasm', shaderF16: false, fallbackReason: 'Node' }),
    files: (url) => dirModelFiles(url),
    encodeImage: async (rgba, width, height) => {
      const png = new PNG({ width, height });
      png.data = Buffer.from(rgba);
      return new Uint8Array(PNG.sync.write(png));
    },
    // No resizing in Node: test images already have the request's size.
    decodeImage: async (b64, width, height) => {
      const png = PNG.sync.read(Buffer.from(base64ToBytes(b64)));
      if (png.width !== width || png.height !== height) throw new Error(`test decoder got ${png.width}×${png.height}`);
      return { rgba: new Uint8ClampedArray(png.data), width, height };
    },
    randomSeed: () => 123456,
    now: () => performance.now(),
  };
}

export function decodePng(b64: string): { rgba: Uint8Array; width: number; height: number } {
  const png = PNG.sync.read(Buffer.from(b64, 'base64'));
  return { rgba: new Uint8Array(png.data), width: png.width, height: png.height };
}

/** The same runner, telling `onRun` about every call's feeds and the outputs asked for (to check what the pipeline sends). */
export function recordingRunner(runner: ModelRunner, onRun: (feeds: Record<string, Tensor>, outputNames?: readonly string[]) => void): ModelRunner {
  return {
    inputs: runner.inputs,
    outputs: runner.outputs,
    run: (feeds, outputNames) => {
      onRun(feeds, outputNames);
      return runner.run(feeds, outputNames);
    },
  };
}
