// Counts the CPU tensors fed to sessions (uploads) and the outputs read back to the CPU (readbacks), by component and shape; works on every onnxruntime.

export type TransferDirection = 'upload' | 'readback';

export interface TransferCount {
  component: string;
  direction: TransferDirection;
  dims: readonly number[];
  count: number;
}

export interface TransferMark {
  readonly counts: ReadonlyMap<string, number>;
}

/** Full-latent transfers: tensors shaped [batch, ...latent] (any batch), in the given components. */
export interface LatentTransfers {
  uploads: number;
  readbacks: number;
}

export class TransferLedger {
  private readonly entries = new Map<string, TransferCount>();

  record(component: string, direction: TransferDirection, dims: readonly number[]): void {
    const key = `${component}|${direction}|${dims.join('x')}`;
    const e = this.entries.get(key);
    if (e) e.count++;
    else this.entries.set(key, { component, direction, dims: [...dims], count: 1 });
  }

  mark(): TransferMark {
    return { counts: new Map([...this.entries].map(([k, e]) => [k, e.count])) };
  }

  /** What was recorded after the mark (entries with a count of zero left out). */
  since(m: TransferMark): TransferCount[] {
    const out: TransferCount[] = [];
    for (const [k, e] of this.entries) {
      const count = e.count - (m.counts.get(k) ?? 0);
      if (count > 0) out.push({ ...e, count });
    }
    return out;
  }
}

/**
 * Counts transfers whose shape is a latent's ([batch, C, h, w] with `latent` = [C, h, w]) in the components `inLoop`
 * accepts: a batch-2 CFG sample is one transfer, as it is one copy.
 */
export function latentTransfers(entries: readonly TransferCount[], latent: readonly number[], inLoop: (component: string) => boolean): LatentTransfers {
  const out = { uploads: 0, readbacks: 0 };
  for (const e of entries) {
    if (!inLoop(e.component) || e.dims.length !== latent.length + 1) continue;
    if (!latent.every((d, i) => e.dims[i + 1] === d)) continue;
    if (e.direction === 'upload') out.uploads += e.count;
    else out.readbacks += e.count;
  }
  return out;
}

/** The runtime's ledger (OrtRunner records into it; the engine reads it per request). */
export const transferLedger = new TransferLedger();
