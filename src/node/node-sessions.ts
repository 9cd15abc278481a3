// Sessions on onnxruntime-node, opened from the model file's path: onnxruntime reads (maps) the external data itself,
// so a 10 GB UNet never passes through a JS buffer. CPU EP or the native WebGPU EP (Dawn on Vulkan).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { OpenableComponent, OpenOptions, SessionComponent, SessionOpener } from '../runtime/component-session';
import { shrinkAttentionBiases } from '../runtime/onnx-attention-bias';
import { externalDataFiles } from '../runtime/onnx-external-data';
import type { ModelFiles } from '../runtime/model-files';
import { fixInputDims } from '../runtime/onnx-fix-dims';
import { declaredInputs } from '../runtime/onnx-input-dims';
import type { DimValues } from '../runtime/session-shapes';

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
  return async (files, component) => {
    if (!files.localPath) return fromBytes(ort, o, files, component);
    const path = files.localPath(`${component}/model.onnx`);
    // The graph is small (8 MB for the SDXL UNet): read it to name and size its external data files and its inputs.
    let graph: Uint8Array | undefined = new Uint8Array(await readFile(path));
    let bytes = graph.length;
    for (const location of externalDataFiles(graph)) {
      const size = await stat(join(dirname(path), location)).then((s) => s.size, () => undefined);
      if (size === undefined) throw new Error(`${component}/${location} is missing from ${files.location}: ${component}/model.onnx keeps its weights there.`);
      bytes += size;
    }
    return {
      declared: declaredInputs(graph),
      bytes,
      open: async (options) => {
        // The first session uses the bytes read above; later shapes read the file again (a graph may hold its weights inline).
        const read = graph ?? new Uint8Array(await readFile(path));
        graph = undefined;
        const start = performance.now();
        const session = await openFromPath(ort, path, read, sessionOptions(o, options), options.freeDimensionOverrides);
        o.onSession?.({ component, provider: o.provider, ms: performance.now() - start, bytes, session });
        return session;
      },
    };
  };
}

/** onnxruntime-node's options for one session: the provider, the optimisation level and the loader's placement (dims go in the graph). */
function sessionOptions(o: NodeSessionOptions, { freeDimensionOverrides: _, ...placement }: OpenOptions): InferenceSession.SessionOptions {
  return { executionProviders: [o.provider], graphOptimizationLevel: o.graphOptimizationLevel ?? 'all', logSeverityLevel: 3, ...placement };
}

/**
 * A session for the graph at `path` (its bytes given), with the attention biases shrunk
 * (src/runtime/onnx-attention-bias.ts: the same scores without a [batch·heads, L, S] zero tensor per attention call)
 * and the free input dims in `dims` fixed in the graph (static shapes: onnxruntime-node takes no freeDimensionOverrides).
 * Opened from the rewritten bytes, onnxruntime finds the external data in the folder the config entry names.
 */
export async function openFromPath(ort: NodeOrt, path: string, graph: Uint8Array, options: InferenceSession.SessionOptions, dims?: DimValues): Promise<InferenceSession> {
  const model = staticGraph(graph, dims);
  if (model === graph) return ort.InferenceSession.create(path, options);
  const session = { ...(options.extra as { session?: object } | undefined)?.session, model_external_initializers_file_folder_path: dirname(path) };
  return ort.InferenceSession.create(model, { ...options, extra: { ...options.extra, session } });
}

/** The graph as the Node runner opens it: attention biases shrunk, then the call shape's dims fixed. */
function staticGraph(graph: Uint8Array, dims: DimValues | undefined): Uint8Array {
  const shrunk = shrinkAttentionBiases(graph).model;
  return dims ? fixInputDims(shrunk, dims) : shrunk;
}

/**
 * A graph made in memory (a LoRA-fused or TI-grown variant): onnxruntime-node opens it from its bytes, which needs
 * its weights inline (onnxruntime-node takes no external data from memory).
 */
async function fromBytes(ort: NodeOrt, o: NodeSessionOptions, files: ModelFiles, component: SessionComponent): Promise<OpenableComponent> {
  const read = async () => {
    const graph = await files.bytes(`${component}/model.onnx`);
    if (externalDataFiles(graph).length > 0) {
      throw new Error(`${component} of ${files.location} was patched in memory but keeps its weights in external data: the Node engine cannot open it (use the browser, or a model with inline weights).`);
    }
    return graph;
  };
  let first: Uint8Array | undefined = await read();
  const declared = declaredInputs(first);
  const bytes = first.length;
  return {
    declared,
    bytes,
    open: async (options) => {
      const graph = first ?? (await read());
      first = undefined; // later shapes read the graph again
      const start = performance.now();
      const session = await ort.InferenceSession.create(staticGraph(graph, options.freeDimensionOverrides), sessionOptions(o, options));
      o.onSession?.({ component, provider: o.provider, ms: performance.now() - start, bytes: graph.length, session });
      return session;
    },
  };
}
