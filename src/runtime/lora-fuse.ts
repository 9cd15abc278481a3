// Fuses LoRA deltas into a model's weight initializers: inline ones in a patched copy of model.onnx, external ones as
// Blobs composed of untouched slices of the stored shards and the patched initializers written to an overlay.
import type { DeltaAdder, LoraComponent, LoraModule, ParsedLora, WeightLayout } from '../pipeline/lora/lora-types';
import type { OverlayWriter } from './fuse-overlay';
import { externalDataFiles } from './onnx-external-data';
import { checkedByteLength, elementBytes, indexOnnxGraph, resolveInitializer, type GraphIndex, type InitializerInfo } from './onnx-initializers';
import { decodeWeights, encodeWeights } from './weight-bytes';

export interface LoraEntry {
  lora: ParsedLora;
  /** The request's weight for this LoRA (scaling = weight · alpha / rank). */
  weight: number;
}

/** What onnxruntime-web's `externalData` session option takes: the file name the graph uses, and its bytes. */
export interface ExternalDataFile {
  path: string;
  data: Blob;
}

export interface PatchedInitializer {
  node: string;
  initializer: string;
  layout: WeightLayout;
  dims: number[];
  /** External data file it lives in, or undefined for model.onnx. */
  location: string | undefined;
  bytes: number;
  /** Where the patched bytes start in the overlay (external weights only). */
  overlayOffset: number | undefined;
  /** The LoRA modules applied, in order. */
  modules: string[];
}

export interface FusedModel {
  /** model.onnx: a patched copy when an inline initializer changed, else the bytes given. */
  model: Uint8Array;
  /** Every external-data file the graph names, patched or as stored, for `InferenceSession.create(model, { externalData })`. */
  externalData: ExternalDataFile[];
  patched: PatchedInitializer[];
  /** Modules that target nothing in this model or do not fit its weight, by name (never fatal). */
  warnings: string[];
  /** Bytes written to the overlay: the external initializers that changed, nothing else. */
  overlayBytes: number;
}

export interface FuseOptions {
  /** Only modules of this component are applied (a ParsedLora holds the UNet's and both text encoders'). */
  component?: LoraComponent;
  onProgress?: (done: number, total: number) => void;
}

interface Target {
  node: string;
  init: InitializerInfo;
  layout: WeightLayout;
  apply: { m: LoraModule; weight: number }[];
}

const OPS: [op: string, layout: (ints: Record<string, number>) => WeightLayout][] = [
  ['MatMul', () => 'matmul'],
  // Gemm with transB = 1 holds [out, in]; without it, [in, out] as MatMul does.
  ['Gemm', (ints) => (ints.transB === 1 ? 'gemm' : 'matmul')],
  ['Conv', () => 'conv'],
];

const prod = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);

/** Why a module cannot patch a weight of these dims, or undefined when it fits. */
function misfit(m: LoraModule, layout: WeightLayout, dims: readonly number[]): string | undefined {
  const rank = m.downShape[0] ?? 0;
  const [out, inn] = layout === 'matmul' ? [dims[1], dims[0]] : [dims[0], dims[1]];
  const kernel = layout === 'conv' ? prod(dims.slice(2)) : 1;
  if ((layout === 'conv' ? dims.length !== 4 : dims.length !== 2) || out === undefined || inn === undefined) return `the weight has dims [${dims.join(', ')}]`;
  if (m.down.length !== prod(m.downShape) || m.up.length !== prod(m.upShape)) return 'its tensors do not match their shapes';
  if (rank < 1 || prod(m.downShape) !== rank * inn * kernel) return `down [${m.downShape.join(', ')}] does not fit in = ${inn}${kernel > 1 ? ` × ${dims.slice(2).join('×')}` : ''}`;
  if (m.upShape[0] !== out || prod(m.upShape) !== out * rank) return `up [${m.upShape.join(', ')}] does not fit out = ${out}, rank ${rank}`;
  return undefined;
}

function planTargets(index: GraphIndex, entries: readonly LoraEntry[], component: LoraComponent | undefined, warnings: string[]): Target[] {
  const targets = new Map<string, Target>();
  for (const { lora, weight } of entries) {
    if (weight === 0) continue;
    for (const m of lora.modules) {
      if (component && m.component !== component) continue;
      const found = OPS.map(([op, layout]) => ({ node: `${m.nodePrefix}/${op}`, layout })).find((c) => index.nodes.has(c.node));
      if (!found) {
        warnings.push(`LoRA module ${m.module}: this model has no node ${m.nodePrefix}/MatMul, /Gemm or /Conv.`);
        continue;
      }
      const node = index.nodes.get(found.node)!;
      const init = node.inputs[1] === undefined ? undefined : resolveInitializer(index, node.inputs[1]);
      if (!init) {
        warnings.push(`LoRA module ${m.module}: the weight of ${found.node} is not an initializer.`);
        continue;
      }
      if (elementBytes(init.dataType) === undefined) {
        warnings.push(`LoRA module ${m.module}: ${init.name} has data type ${init.dataType}, not float32 or float16.`);
        continue;
      }
      const layout = found.layout(node.ints);
      const why = misfit(m, layout, init.dims);
      if (why) {
        warnings.push(`LoRA module ${m.module} does not fit ${found.node}: ${why}.`);
        continue;
      }
      const t = targets.get(init.name) ?? { node: found.node, init, layout, apply: [] };
      t.apply.push({ m, weight });
      targets.set(init.name, t);
    }
  }
  return [...targets.values()];
}

interface ShardPatch {
  offset: number;
  length: number;
  overlayAt: number;
}

/** The stored shard with its patched ranges taken from the overlay; nothing is read here (Blob slices stay lazy). */
function composeShard(location: string, shard: Blob, patches: ShardPatch[], overlay: Blob): Blob {
  const sorted = [...patches].sort((a, b) => a.offset - b.offset);
  const parts: Blob[] = [];
  let pos = 0;
  for (const p of sorted) {
    if (p.offset < pos) throw new Error(`${location}: two patched initializers overlap at byte ${p.offset}.`);
    if (p.offset > pos) parts.push(shard.slice(pos, p.offset));
    parts.push(overlay.slice(p.overlayAt, p.overlayAt + p.length));
    pos = p.offset + p.length;
  }
  if (pos < shard.size) parts.push(shard.slice(pos));
  return new Blob(parts);
}

/**
 * Applies each entry's modules (of `opts.component`) to the weights they map to. Per weight: read it (float32 or
 * float16 → float32), run `adder` for each LoRA in entry order (W ← W + Δ₁; W ← W + Δ₂, in float32), convert back and
 * write it. Peak memory is one weight (plus the LoRAs); the overlay receives only the patched external weights.
 */
export async function fuseLoras(
  model: Uint8Array,
  shards: ReadonlyMap<string, Blob>,
  entries: readonly LoraEntry[],
  adder: DeltaAdder,
  overlay: OverlayWriter,
  opts: FuseOptions = {},
): Promise<FusedModel> {
  const warnings: string[] = [];
  const targets = planTargets(indexOnnxGraph(model), entries, opts.component, warnings);
  let patchedModel: Uint8Array | undefined;
  const shardPatches = new Map<string, ShardPatch[]>();
  const patched: PatchedInitializer[] = [];
  const overlayStart = overlay.size;
  for (const [i, t] of targets.entries()) {
    const length = checkedByteLength(t.init);
    const data = t.init.data!;
    let stored: Uint8Array;
    if (data.kind === 'inline') stored = model.subarray(data.start, data.end);
    else {
      const shard = shards.get(data.location);
      if (!shard) throw new Error(`${t.init.name} is stored in ${data.location}, which was not given.`);
      if (data.offset + length > shard.size) throw new Error(`${t.init.name} runs past the end of ${data.location} (${data.offset} + ${length} > ${shard.size} bytes).`);
      stored = new Uint8Array(await shard.slice(data.offset, data.offset + length).arrayBuffer());
    }
    const values = decodeWeights(stored, t.init.dataType);
    for (const a of t.apply) await adder(values, t.layout, t.init.dims, a.m, a.weight);
    const bytes = encodeWeights(values, t.init.dataType);
    let overlayOffset: number | undefined;
    if (data.kind === 'inline') {
      patchedModel ??= model.slice();
      patchedModel.set(bytes, data.start);
    } else {
      const overlayAt = (overlayOffset = await overlay.append(bytes));
      const list = shardPatches.get(data.location) ?? [];
      list.push({ offset: data.offset, length, overlayAt });
      shardPatches.set(data.location, list);
    }
    patched.push({ node: t.node, initializer: t.init.name, layout: t.layout, dims: t.init.dims, location: data.kind === 'external' ? data.location : undefined, bytes: length, overlayOffset, modules: t.apply.map((a) => a.m.module) });
    opts.onProgress?.(i + 1, targets.length);
  }
  const overlayBlob = await overlay.finish(); // also when empty: closes the file
  const externalData: ExternalDataFile[] = externalDataFiles(model).map((location) => {
    const shard = shards.get(location);
    if (!shard) throw new Error(`model.onnx keeps weights in ${location}, which was not given.`);
    const patches = shardPatches.get(location);
    return { path: location, data: patches ? composeShard(location, shard, patches, overlayBlob) : shard };
  });
  return { model: patchedModel ?? model, externalData, patched, warnings, overlayBytes: overlay.size - overlayStart };
}
