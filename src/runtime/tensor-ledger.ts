// Counts the onnxruntime tensors this runtime creates (feeds) and receives (session outputs), and those it disposes.

export interface TensorCounts {
  created: number;
  disposed: number;
}

const counts: TensorCounts = { created: 0, disposed: 0 };

export const tensorLedger = {
  created(n = 1): void {
    counts.created += n;
  },
  disposed(n = 1): void {
    counts.disposed += n;
  },
  /** Totals since the worker started; created − disposed is what is still alive. */
  counts(): TensorCounts {
    return { ...counts };
  },
};
