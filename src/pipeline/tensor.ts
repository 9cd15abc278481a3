// Plain CPU tensors that cross the pipeline ↔ runtime boundary (no onnxruntime types in the pipeline).
export type TensorType = 'float32' | 'float16' | 'int32' | 'int64';
export type TensorData = Float32Array | Int32Array | BigInt64Array;

export interface Tensor {
  type: TensorType;
  data: TensorData;
  dims: readonly number[];
}

export const floatTensor = (data: Float32Array, dims: readonly number[]): Tensor => ({ type: 'float32', data, dims });

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Integer ids as the tensor type a model declares for them. */
export function intTensor(values: readonly number[], dims: readonly number[], type: 'int32' | 'int64'): Tensor {
  const data = type === 'int64' ? BigInt64Array.from(values, BigInt) : Int32Array.from(values);
  return { type, data, dims };
}

/** Concatenate float tensors along the batch axis (axis 0). */
export function concatBatch(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
