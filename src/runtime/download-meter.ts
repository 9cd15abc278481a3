// Download progress as the UI shows it: per file and overall bytes, percentage, speed over the last seconds, and ETA.

export interface FileProgress {
  path: string;
  received: number;
  total?: number;
  state: 'waiting' | 'downloading' | 'done' | 'failed';
}

export interface DownloadProgress {
  phase: 'resolving' | 'downloading';
  received: number;
  total: number;
  /** Bytes per second over the last few seconds (0 until measured). */
  bytesPerSecond: number;
  /** Seconds left at that speed, when it can be told. */
  etaSeconds?: number;
  files: FileProgress[];
}

const WINDOW_MS = 3000;
const EMIT_EVERY_MS = 100;

export class DownloadMeter {
  private readonly files = new Map<string, FileProgress>();
  private samples: { t: number; received: number }[] = [];
  private lastEmit = -Infinity;

  constructor(private readonly now: () => number, private readonly onProgress?: (p: DownloadProgress) => void) {}

  static resolving(): DownloadProgress {
    return { phase: 'resolving', received: 0, total: 0, bytesPerSecond: 0, files: [] };
  }

  add(path: string, total: number | undefined, already = 0): void {
    this.files.set(path, { path, received: already, total, state: total !== undefined && already >= total && total > 0 ? 'done' : 'waiting' });
    this.emit(true);
  }

  bytes(path: string, delta: number): void {
    const f = this.files.get(path);
    if (!f) return;
    f.received = Math.max(0, f.received + delta);
    f.state = 'downloading';
    this.emit(false);
  }

  finish(path: string): void {
    const f = this.files.get(path);
    if (f) {
      f.state = 'done';
      f.total ??= f.received;
    }
    this.emit(true);
  }

  fail(path: string): void {
    const f = this.files.get(path);
    if (f) f.state = 'failed';
    this.emit(true);
  }

  /** Forgets files the model turned out not to need (unreferenced weight candidates). */
  dropUnused(keep: Set<string>): void {
    for (const p of [...this.files.keys()]) if (!keep.has(p)) this.files.delete(p);
    this.emit(true);
  }

  snapshot(): DownloadProgress {
    const files = [...this.files.values()].map((f) => ({ ...f }));
    const received = files.reduce((n, f) => n + f.received, 0);
    const total = files.reduce((n, f) => n + (f.total ?? f.received), 0);
    const t = this.now();
    this.samples.push({ t, received });
    while (this.samples.length > 2 && t - this.samples[0]!.t > WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (t - first.t) / 1000;
    const bytesPerSecond = dt > 0.2 ? Math.max(0, (received - first.received) / dt) : 0;
    return {
      phase: 'downloading', received, total, bytesPerSecond, files,
      ...(bytesPerSecond > 0 ? { etaSeconds: Math.max(0, (total - received) / bytesPerSecond) } : {}),
    };
  }

  private emit(force: boolean): void {
    if (!this.onProgress) return;
    const t = this.now();
    if (!force && t - this.lastEmit < EMIT_EVERY_MS) return;
    this.lastEmit = t;
    this.onProgress(this.snapshot());
  }
}
