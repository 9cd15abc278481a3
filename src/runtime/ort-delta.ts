// The fast ΔW path: B·A as one MatMul on onnxruntime (WebGPU where present, wasm SIMD otherwise), scaled in float32.
import type * as OrtModule from 'onnxruntime-web';
import type { DeltaAdder, WeightLayout } from '../pipeline/lora/lora-types';
import { writeOnnxModel } from './onnx-writer';

type Ort = Pick<typeof OrtModule, 'InferenceSession' | 'Tensor'>;
type Session = OrtModule.InferenceSession;

export interface OrtDeltaAdder {
  add: DeltaAdder;
  /** Releases the two small sessions. */
  release(): Promise<void>;
}

/**
 * ΔW = fl32(B·A) · fl32(weight · alpha/rank), the exact path's shape with the MatMul's own summation order. For a
 * MatMul node (weight stored [in, out]) the graph computes Aᵀ·Bᵀ, so ΔWᵀ comes back in the initializer's layout.
 */
function deltaGraph(transposed: boolean): Uint8Array {
  const t = transposed;
  return writeOnnxModel({
    name: t ? 'lora_delta_t' : 'lora_delta',
    inputs: [
      { name: 'up', type: 'float32', dims: ['out', 'rank'] },
      { name: 'down', type: 'float32', dims: ['rank', 'k'] },
      { name: 'scale', type: 'float32', dims: [] },
    ],
    outputs: [{ name: 'delta', type: 'float32', dims: t ? ['k', 'out'] : ['out', 'k'] }],
    nodes: t
      ? [
          { op: 'Transpose', inputs: ['down'], outputs: ['down_t'], attrs: { perm: [1, 0] } },
          { op: 'Transpose', inputs: ['up'], outputs: ['up_t'], attrs: { perm: [1, 0] } },
          { op: 'MatMul', inputs: ['down_t', 'up_t'], outputs: ['product'] },
          { op: 'Mul', inputs: ['product', 'scale'], outputs: ['delta'] },
        ]
      : [
          { op: 'MatMul', inputs: ['up', 'down'], outputs: ['product'] },
          { op: 'Mul', inputs: ['product', 'scale'], outputs: ['delta'] },
        ],
  });
}

/** A DeltaAdder on onnxruntime; `executionProviders` e.g. ['webgpu'] or ['wasm'] (['cpu'] on onnxruntime-node). */
export async function ortDeltaAdder(ort: Ort, executionProviders: string[] = ['wasm']): Promise<OrtDeltaAdder> {
  const options = { executionProviders, graphOptimizationLevel: 'all', logSeverityLevel: 3 } as OrtModule.InferenceSession.SessionOptions;
  const plain: Session = await ort.InferenceSession.create(deltaGraph(false), options);
  const transposed: Session = await ort.InferenceSession.create(deltaGraph(true), options);
  const add: DeltaAdder = async (base, layout: WeightLayout, dims, m, weight) => {
    const rank = m.downShape[0]!;
    const k = m.down.length / rank;
    const out = m.up.length / rank;
    if (!Number.isInteger(k) || !Number.isInteger(out) || out * k !== base.length) {
      throw new Error(`LoRA module ${m.module}: B [${m.upShape.join(', ')}]·A [${m.downShape.join(', ')}] does not fill a weight of dims [${dims.join(', ')}].`);
    }
    const session = layout === 'matmul' ? transposed : plain;
    // Conv k×k: A [rank, in, kh, kw] is read as [rank, in·kh·kw], the row-major order of the weight's [out, in, kh, kw].
    const feeds = {
      up: new ort.Tensor('float32', m.up, [out, rank]),
      down: new ort.Tensor('float32', m.down, [rank, k]),
      scale: new ort.Tensor('float32', new Float32Array([weight * m.alphaOverRank]), []),
    };
    const result = await session.run(feeds);
    const delta = result.delta!;
    try {
      const d = (await delta.getData()) as Float32Array;
      for (let i = 0; i < base.length; i++) base[i] = base[i]! + d[i]!;
    } finally {
      delta.dispose();
    }
  };
  return {
    add,
    async release() {
      await plain.release();
      await transposed.release();
    },
  };
}
