// Sessions on onnxruntime-node, opened from the model file's path: onnxruntime reads (maps) the external data itself,
// so a 10 GB UNet never passes through a JS buffer. CPU EP or the native WebGPU EP (Dawn on Vulkan).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { DeviceOutputOptions, SessionComponent, SessionOpener } from '../runtime/load-sdxl';
import { externalDataFiles } from '../runtime/onnx-external-data';

export type NodeProvider = 'cpu' | 'webgpu';
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** One session made: how long onnxruntime took, the bytes of graph + external data, and the session itself. */
export interface SessionEvent {
  component: SessionComponent;
  provider: NodeProvider;
  ms: number;
  bytes: number;
  session: InferenceSession;
}

export interface NodeSessionOptions {
  provider: NodeProvider;
  /** 'all' unless given; fp16 graphs want 'basic' on the CPU EP ('all' keeps fp32 copies of the weights there). */
  graphOptimizationLevel?: GraphOptimizationLevel;
  onSession?: (e: SessionEvent) => void;
}

type NodeOrt = { InferenceSession: { create(path: string, options: InferenceSession.SessionOptions): Promise<InferenceSession> } };

export function nodeSessionOpener(ort: NodeOrt, o: NodeSessionOptions): SessionOpener {
  return async (files, component, extra: DeviceOutputOptions) => {
    if (!files.localPath) throw new Error(`${files.location} is not a folder on this machine: the Node engine opens sessions from file paths.`);
    const path = files.localPath(`${component}/model.onnx`);
    // The graph is small (8 MB for the SDXL UNet): read it only to name and size its external data files.
    const graph = new Uint8Array(await readFile(path));
    let bytes = graph.length;
    for (const location of externalDataFiles(graph)) {
      const size = await stat(join(dirname(path), location)).then((s) => s.size, () => undefined);
      if (size === undefined) throw new Error(`${component}/${location} is missing from ${files.location}: ${component}/model.onnx keeps its weights there.`);
      bytes += size;
    }
    const start = performance.now();
    const session = await ort.InferenceSession.create(path, {
      executionProviders: [o.provider],
      graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
      logSeverityLevel: 3,
      ...extra, // the device loop's outputs left on the GPU (WebGPU EP)
    });
    o.onSession?.({ component, provider: o.provider, ms: performance.now() - start, bytes, session });
    return { session, bytes };
  };
}
