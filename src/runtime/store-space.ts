// Room on the device before a download or an import: the browser's quota less what this site uses, and the error that
// says how much is needed and how much is allowed.

export interface StorageApi {
  estimate(): Promise<{ quota?: number; usage?: number }>;
  /** Window-only in browsers: a worker's cache leaves it to the page (which asks before a download starts). */
  persist?(): Promise<boolean>;
  persisted(): Promise<boolean>;
}

export class QuotaError extends Error {
  constructor(readonly needed: number, readonly available: number) {
    super(`Not enough storage for this model: it needs ${gb(needed)} more, and this browser allows ${gb(available)} more for this site. Free some space (delete other models below, or clear site data) and try again.`);
    this.name = 'QuotaError';
  }
}

const gb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);

/** Throws QuotaError when `needed` more bytes do not fit; a browser that reports no quota is not second-guessed. */
export async function checkSpace(storage: StorageApi, needed: number): Promise<void> {
  if (needed <= 0) return;
  const { quota, usage } = await storage.estimate();
  if (quota === undefined) return;
  const available = quota - (usage ?? 0);
  if (needed > available) throw new QuotaError(needed, available);
}
