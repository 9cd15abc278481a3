// The exact ΔW of a LoRA module (torch/peft bit for bit: float32 fma over the rank, then × scaling) and W' = W + ΔW.
import { f32, fmaf } from '../float32-math';
import type { DeltaAdder, LoraModule, WeightLayout } from './lora-types';

/**
 * peft's scaling as torch uses it: `weight · alpha / rank` in double (left to right, as peft's set_scale), then one float32
 * rounding. alpha is recovered exactly from alphaOverRank: the file stores it as a float32/float16/bfloat16 value.
 */
export function loraScaling(m: LoraModule, weight: number): number {
  const rank = m.downShape[0]!;
  const alpha = f32(m.alphaOverRank * rank);
  return f32((weight * alpha) / rank);
}

interface Geometry { out: number; rank: number; inner: number }

/** Checks that the module fits the initializer (`dims`, laid out as `layout`) and gives out × rank × inner (= in·kh·kw). */
export function deltaGeometry(layout: WeightLayout, dims: readonly number[], m: LoraModule): Geometry {
  const [rank, ...kernel] = m.downShape as [number, ...number[]];
  const out = m.upShape[0]!;
  const inner = kernel.reduce((a, b) => a * b, 1);
  const fail = (): never => {
    throw new Error(`LoRA ${m.component} ${m.module} (down [${m.downShape.join(', ')}], up [${m.upShape.join(', ')}]) does not fit the ${layout} weight [${dims.join(', ')}] of ${m.nodePrefix}.`);
  };
  const kernelIsOne = kernel.length === 1 || (kernel[1] === 1 && kernel[2] === 1);
  if (layout === 'matmul' && !(dims.length === 2 && dims[0] === kernel[0] && dims[1] === out && kernelIsOne)) fail();
  if (layout === 'gemm' && !(dims.length === 2 && dims[0] === out && dims[1] === kernel[0] && kernelIsOne)) fail();
  if (layout === 'conv') {
    const fits = dims.length === 4 && dims[0] === out && dims[1] === kernel[0]
      && (kernel.length === 3 ? dims[2] === kernel[1] && dims[3] === kernel[2] : dims[2] === 1 && dims[3] === 1);
    if (!fits) fail();
  }
  if (m.down.length !== rank * inner || m.up.length !== out * rank) fail();
  return { out, rank, inner };
}

/** Writes (or adds) fround(scaling · Σ_r fma(B[o,r], A[r,j])) for every element, in the node's layout. */
function eachDelta(target: Float32Array, add: boolean, layout: WeightLayout, dims: readonly number[], m: LoraModule, weight: number): void {
  const { out, rank, inner } = deltaGeometry(layout, dims, m);
  const s = loraScaling(m, weight);
  const A = m.down;
  const B = m.up;
  const transposed = layout === 'matmul';
  for (let o = 0; o < out; o++) {
    const bRow = o * rank;
    for (let j = 0; j < inner; j++) {
      let acc = 0;
      for (let r = 0; r < rank; r++) acc = fmaf(B[bRow + r]!, A[r * inner + j]!, acc);
      const d = f32(acc * s);
      const i = transposed ? j * out + o : o * inner + j;
      target[i] = add ? f32(target[i]! + d) : d;
    }
  }
}

/** ΔW alone, in the node's layout ([in, out] for MatMul, [out, in] for Gemm, [out, in, kh, kw] for Conv). */
export function loraDelta(layout: WeightLayout, dims: readonly number[], m: LoraModule, weight: number): Float32Array {
  const delta = new Float32Array(dims.reduce((a, b) => a * b, 1));
  eachDelta(delta, false, layout, dims, m, weight);
  return delta;
}

/** The exact DeltaAdder: base ← fround(base + ΔW) element by element, as one float32 add per LoRA (diffusers' fuse_lora). */
export const addLoraDeltaExact: DeltaAdder = (base, layout, dims, m, weight) => {
  if (base.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${m.nodePrefix}: the weight holds ${base.length} values, not [${dims.join(', ')}].`);
  eachDelta(base, true, layout, dims, m, weight);
};
