// Runners for images denoised side by side: one batched UNet call for the images' concurrent calls, and one-at-a-time access to the others.
import type { ModelRunner } from './runners';
import { concatBatch, type Tensor } from './tensor';

interface Pending {
  feeds: Record<string, Tensor>;
  outputNames?: readonly string[];
  resolve(out: Record<string, Tensor>): void;
  reject(e: unknown): void;
}

/**
 * Collects one run() from each participant still in the loop and makes them one call, concatenated along the batch
 * axis; each caller gets its own rows back. Inputs named in `shared` (the timestep) must be equal across callers and
 * are fed once. A participant that finishes or fails calls leave(), so the others never wait for it.
 */
export class LockstepRunner implements ModelRunner {
  private pending: Pending[] = [];

  constructor(private readonly inner: ModelRunner, private participants: number, private readonly shared: readonly string[] = ['timestep']) {}

  get inputs() {
    return this.inner.inputs;
  }

  get outputs() {
    return this.inner.outputs;
  }

  run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    return new Promise((resolve, reject) => {
      this.pending.push({ feeds, outputNames, resolve, reject });
      this.flushIfReady();
    });
  }

  leave(): void {
    this.participants--;
    this.flushIfReady();
  }

  private flushIfReady(): void {
    if (this.pending.length === 0 || this.pending.length < this.participants) return;
    const batch = this.pending;
    this.pending = [];
    void this.runBatch(batch);
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    try {
      if (batch.length === 1) return batch[0]!.resolve(await this.inner.run(batch[0]!.feeds, batch[0]!.outputNames));
      const feeds: Record<string, Tensor> = {};
      for (const [name, first] of Object.entries(batch[0]!.feeds)) {
        const all = batch.map((p) => p.feeds[name]!);
        if (this.shared.includes(name)) {
          if (all.some((t) => !sameValues(t, first))) throw new Error(`batched UNet calls disagree on "${name}"`);
          feeds[name] = first;
        } else {
          if (first.type !== 'float32') throw new Error(`cannot batch the ${first.type} input "${name}"`);
          feeds[name] = { type: 'float32', data: concatBatch(all.map((t) => t.data as Float32Array)), dims: [all.reduce((n, t) => n + t.dims[0]!, 0), ...first.dims.slice(1)] };
        }
      }
      const out = await this.inner.run(feeds, batch[0]!.outputNames);
      const rows = batch.map((p) => batchRows(p.feeds, this.shared));
      const total = rows.reduce((a, b) => a + b, 0);
      let row = 0;
      for (const [i, p] of batch.entries()) {
        const mine: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(out)) {
          const per = t.data.length / total;
          mine[name] = { type: t.type, data: t.data.slice(row * per, (row + rows[i]!) * per) as Tensor['data'], dims: [rows[i]!, ...t.dims.slice(1)] };
        }
        row += rows[i]!;
        p.resolve(mine);
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}

/** A caller's batch size: the leading dim of its first batched input. */
function batchRows(feeds: Record<string, Tensor>, shared: readonly string[]): number {
  const batched = Object.entries(feeds).find(([name]) => !shared.includes(name));
  if (!batched) throw new Error('a batched call needs at least one batched input');
  return batched[1].dims[0]!;
}

function sameValues(a: Tensor, b: Tensor): boolean {
  return a.type === b.type && a.data.length === b.data.length && a.data.every((x, i) => x === b.data[i]);
}

/** Lets one run() at a time through (a session must not run twice at once); the rest wait their turn, in order. */
export function serialRunner(inner: ModelRunner): ModelRunner {
  let tail: Promise<unknown> = Promise.resolve();
  // Its varying-shapes runner queues on the same tail: both reach the same session cache.
  const serial = (r: ModelRunner): ModelRunner => ({
    inputs: r.inputs,
    outputs: r.outputs,
    run(feeds, outputNames) {
      const result = tail.then(() => r.run(feeds, outputNames));
      tail = result.catch(() => undefined);
      return result;
    },
    ...(r.forVaryingShapes ? { forVaryingShapes: () => serial(r.forVaryingShapes!()) } : {}),
  });
  return serial(inner);
}
