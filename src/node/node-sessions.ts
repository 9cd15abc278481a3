// Sessions on onnxruntime-node, opened from the model file's path: onnxruntime reads (maps) the external data itself,
// so a 10 GB UNet never passes through a JS buffer. CPU EP or the native WebGPU EP (Dawn on Vulkan).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { SessionComponent, SessionOpener } from '../runtime/load-sdxl';
import { shrinkAttentionBiases } from '../runtime/onnx-attention-bias';
import { externalDataFiles } from '../runtime/onnx-external-data';
import type { ModelFiles } from '../runtime/model-files';

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

type NodeOrt = { InferenceSession: { create(path: string | Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceSession> } };

export function nodeSessionOpener(ort: NodeOrt, o: NodeSessionOptions): SessionOpener {
  return async (files, component, placement) => {
    if (!files.localPath) return fromBytes(ort, o, files, component, placement);
    const path = files.localPath(`${component}/model.onnx`);
    // The graph is small (8 MB for the SDXL UNet): read it only to name and size its external data files.
    const graph = new Uint8Array(await readFile(path));
    let bytes = graph.length;
    for (const location of externalDataFiles(graph)) {
      const size = await stat(join(dirname(path), location)).then((s) => s.size, () => undefined);
      if (size === undefined) throw new Error(`${component}/${location} is missing from ${files.location}: ${component}/model.onnx keeps its weights there.`);
      bytes += size;
    }
    const options = { executionProviders: [o.provider], graphOptimizationLevel: o.graphOptimizationLevel ?? 'all', logSeverityLevel: 3, ...placement } as const;
    const start = performance.now();
    const session = await openFromPath(ort, path, graph, options);
    o.onSession?.({ component, provider: o.provider, ms: performance.now() - start, bytes, session });
    return { session, bytes };
  };
}

/**
 * A session for the graph at `path` (its bytes given), with the attention biases shrunk
 * (src/runtime/onnx-attention-bias.ts: the same scores without a [batch·heads, L, S] zero tensor per attention call).
 * Opened from the rewritten bytes, onnxruntime finds the external data in the folder the config entry names.
 */
export async function openFromPath(ort: NodeOrt, path: string, graph: Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
  const shrunk = shrinkAttentionBiases(graph);
  return shrunk.rewritten > 0
    ? ort.InferenceSession.create(shrunk.model, { ...options, extra: { ...options.extra, session: { ...(options.extra as { session?: object } | undefined)?.session, model_external_initializers_file_folder_path: dirname(path) } } })
    : ort.InferenceSession.create(path, options);
}

/**
 * A graph made in memory (a LoRA-fused or TI-grown variant): onnxruntime-node opens it from its bytes, which needs
 * its weights inline (onnxruntime-node takes no external data from memory).
 */
async function fromBytes(ort: NodeOrt, o: NodeSessionOptions, files: ModelFiles, component: SessionComponent, placement: object): Promise<{ session: InferenceSession; bytes: number }> {
  const graph = await files.bytes(`${component}/model.onnx`);
  if (externalDataFiles(graph).length > 0) {
    throw new Error(`${component} of ${files.location} was patched in memory but keeps its weights in external data: the Node engine cannot open it (use the browser, or a model with inline weights).`);
  }
  const start = performance.now();
  const session = await ort.InferenceSession.create(shrinkAttentionBiases(graph).model, { executionProviders: [o.provider], graphOptimizationLevel: o.graphOptimizationLevel ?? 'all', logSeverityLevel: 3, ...placement });
  o.onSession?.({ component, provider: o.provider, ms: performance.now() - start, bytes: graph.length, session });
  return { session, bytes: graph.length };
}
