// Stand-in for src/node/load-node-model.ts (node helper) until it is merged: loadSdxl over onnxruntime-node, by path.
import { readFile, access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { loadSdxl, type LoadedModel } from '../../src/runtime/load-sdxl';
import type { ModelFiles } from '../../src/runtime/model-files';
import { RunClock, type Ort } from '../../src/runtime/ort-runner';

export interface NodeLoadOptions {
  provider: 'cpu' | 'webgpu';
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  clock?: RunClock;
}

export async function loadNodeModel(dir: string, opts: NodeLoadOptions): Promise<LoadedModel> {
  let lastGraph = '';
  const files: ModelFiles = {
    location: `${dir}/`,
    bytes: async (path) => {
      if (path.endsWith('.onnx')) lastGraph = join(dir, path);
      return new Uint8Array(await readFile(join(dir, path)));
    },
    json: async (path) => JSON.parse(await readFile(join(dir, path), 'utf8')),
    exists: (path) => access(join(dir, path)).then(() => true, () => false),
    // External data is read by onnxruntime-node itself from beside the graph; only its size is reported.
    blob: async (path) => Object.defineProperty(new Blob([]), 'size', { value: (await stat(join(dir, path))).size }),
  };
  const create = (_model: Uint8Array, o: Record<string, unknown>) =>
    ortNode.InferenceSession.create(lastGraph, {
      executionProviders: o.executionProviders as string[],
      graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
      logSeverityLevel: 3,
    });
  const ort = { ...ortNode, InferenceSession: { create } } as unknown as Ort;
  return loadSdxl(files, { ort, provider: opts.provider as 'webgpu', clock: opts.clock ?? new RunClock() });
}
