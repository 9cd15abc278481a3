// The runtime's tally of onnxruntime tensors: every feed it creates and every output it receives is disposed, also
// when session.run fails (a cancelled or crashed run must not leave tensors behind).
import { describe, expect, it } from 'vitest';
import { OrtRunner, RunClock, type Ort } from '../../src/runtime/ort-runner';
import { tensorLedger } from '../../src/runtime/tensor-ledger';

class FakeTensor {
  static disposed = 0;
  constructor(readonly type: string, readonly data: ArrayLike<number>, readonly dims: readonly number[]) {}
  dispose(): void {
    FakeTensor.disposed++;
  }
}

function runner(run: () => Promise<Record<string, FakeTensor>>): OrtRunner {
  const ort = { Tensor: FakeTensor } as unknown as Ort;
  const session = {
    inputMetadata: [{ name: 'x', isTensor: true, type: 'float32', shape: [2] }, { name: 'y', isTensor: true, type: 'float16', shape: [2] }],
    outputMetadata: [{ name: 'out', isTensor: true, type: 'float32', shape: [2] }],
    run,
    release: async () => undefined,
  };
  return new OrtRunner(ort, session as never, 'unet', new RunClock());
}

const feeds = { x: { type: 'float32' as const, data: new Float32Array(2), dims: [2] }, y: { type: 'float32' as const, data: new Float32Array(2), dims: [2] } };

describe('tensor ledger', () => {
  it('counts two feeds and one output, all disposed, after a run', async () => {
    const before = tensorLedger.counts();
    const disposedBefore = FakeTensor.disposed;
    await runner(async () => ({ out: new FakeTensor('float32', new Float32Array(2), [2]) })).run(feeds);
    const after = tensorLedger.counts();
    expect([after.created - before.created, after.disposed - before.disposed]).toEqual([3, 3]);
    expect(FakeTensor.disposed - disposedBefore).toBe(3);
  });

  it('disposes the feeds when session.run throws', async () => {
    const before = tensorLedger.counts();
    const disposedBefore = FakeTensor.disposed;
    await expect(runner(async () => {
      throw new Error('device lost');
    }).run(feeds)).rejects.toThrow('device lost');
    const after = tensorLedger.counts();
    expect([after.created - before.created, after.disposed - before.disposed]).toEqual([2, 2]);
    expect(FakeTensor.disposed - disposedBefore).toBe(2);
  });
});
