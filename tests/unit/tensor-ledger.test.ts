// The runtime's tally of onnxruntime tensors: every feed it creates and every output it receives is disposed, also
// when session.run fails (a cancelled or crashed run must not leave tensors behind).
import { describe, expect, it } from 'vitest';
import { OrtRunner, RunClock, type Ort } from '../../src/runtime/ort-runner';
import { tensorLedger } from '../../src/runtime/tensor-ledger';

class FakeTensor {
  static disposed = 0;
  static constructed = 0;
  constructor(readonly type: string, readonly data: ArrayLike<number>, readonly dims: readonly number[]) {
    // As onnxruntime's Tensor does: a size that does not match the data is refused.
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new RangeError(`Tensor's size(${size}) does not match data length(${data.length}).`);
    FakeTensor.constructed++;
  }
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

  it('disposes the feeds already made when a later feed cannot be made, and counts only tensors that exist', async () => {
    const before = tensorLedger.counts();
    const [disposedBefore, constructedBefore] = [FakeTensor.disposed, FakeTensor.constructed];
    let ran = false;
    const bad = { ...feeds, y: { type: 'float32' as const, data: new Float32Array(3), dims: [2] } };
    await expect(runner(async () => {
      ran = true;
      return {};
    }).run(bad)).rejects.toThrow('does not match data length');
    expect(ran).toBe(false);
    const after = tensorLedger.counts();
    expect(FakeTensor.constructed - constructedBefore).toBe(1);
    expect(FakeTensor.disposed - disposedBefore).toBe(1);
    expect([after.created - before.created, after.disposed - before.disposed]).toEqual([1, 1]);
  });

  it('disposes every output and the feeds when reading an output fails (data not on the CPU, a lost device)', async () => {
    const before = tensorLedger.counts();
    const disposedBefore = FakeTensor.disposed;
    const unreadable = new FakeTensor('float32', new Float32Array(2), [2]);
    Object.defineProperty(unreadable, 'data', { get: () => { throw new Error('The data is not on CPU.'); } });
    await expect(runner(async () => ({ out: unreadable, other: new FakeTensor('float32', new Float32Array(2), [2]) })).run(feeds)).rejects.toThrow('not on CPU');
    const after = tensorLedger.counts();
    expect(FakeTensor.disposed - disposedBefore).toBe(4);
    expect([after.created - before.created, after.disposed - before.disposed]).toEqual([4, 4]);
  });
});
