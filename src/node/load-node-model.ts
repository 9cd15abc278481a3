// Loads an Optimum-layout SDXL folder on onnxruntime-node with loadSdxl's own checks, sessions opened from file paths.
import { stat } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { LoadProgress } from '../runtime/component-session';
import type { FirstShape } from '../runtime/load-shape';
import { loadSdxl, type LoadedModel } from '../runtime/load-sdxl';
import { RunClock, type Ort } from '../runtime/ort-runner';
import { dirModelFiles } from './dir-files';
import { nodeSessionOpener, type NodeSessionOptions } from './node-sessions';

export type { GraphOptimizationLevel, NodeProvider, SessionEvent } from './node-sessions';

export interface NodeLoadOptions extends NodeSessionOptions {
  /** Collects the time spent in session.run per component (a fresh one when not given). */
  clock?: RunClock;
  onProgress?: (p: LoadProgress) => void;
  /** The shape the load-time sessions are made for (default: the model's default size, UNet batch 1). */
  firstShape?: Partial<FirstShape>;
}

/** onnxruntime-node as the runtime's Ort (the same onnxruntime-common API as onnxruntime-web). */
export const nodeOrt = ort as unknown as Ort;

/** Throws a clear error when `dir` is not a folder, before any file of it is read. */
export async function checkModelDir(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new Error(`The model folder ${dir} does not exist.`);
  if (!s.isDirectory()) throw new Error(`The model path ${dir} is not a folder: give an SDXL ONNX folder in the Optimum layout (model_index.json, unet/model.onnx, …).`);
}

export async function loadNodeModel(dir: string, opts: NodeLoadOptions): Promise<LoadedModel> {
  await checkModelDir(dir);
  return loadSdxl(dirModelFiles(dir), {
    ort: nodeOrt,
    provider: opts.provider,
    clock: opts.clock ?? new RunClock(),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.firstShape ? { firstShape: opts.firstShape } : {}),
    openSession: nodeSessionOpener(ort, opts),
  });
}
