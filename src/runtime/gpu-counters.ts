// Counts the GPU work the WebGPU EP issues (dispatches, buffer bytes alive and their peak, uploads, readbacks, submits) by wrapping the WebGPU prototypes once.

/** Totals since install, or (from `since`) the difference since a mark. */
export interface GpuCounts {
  /** dispatchWorkgroups + dispatchWorkgroupsIndirect calls. */
  dispatches: number;
  /** queue.writeBuffer calls and buffers created mappedAtCreation (onnxruntime's staging uploads). */
  uploads: number;
  uploadBytes: number;
  /** mapAsync(READ) calls: data coming back to the CPU. */
  readbacks: number;
  readbackBytes: number;
  /** queue.submit calls. */
  submits: number;
  /** createBuffer calls (onnxruntime's staging buffers included): what a per-step allocation would show as. */
  buffersCreated: number;
  /** Their bytes. */
  createdBytes: number;
  /** Bytes of buffers created since install and not destroyed, now (not a difference). */
  liveBytes: number;
  /** The highest liveBytes since the mark (since install for `totals`). */
  peakBytes: number;
  /** performance.now() of the last queue.submit (absolute; NaN when none since the mark). */
  lastSubmitAt: number;
}

/** An opened mark: `since` reads what happened after it; `end` reads and stops tracking its peak. */
export interface GpuMark {
  readonly start: Readonly<GpuCounts>;
  peak: number;
}

/** The WebGPU classes whose prototypes are wrapped: the global ones in a worker, fakes in tests. */
export interface WebGpuClasses {
  GPUDevice: { prototype: object };
  GPUQueue: { prototype: object };
  GPUBuffer: { prototype: object };
  GPUComputePassEncoder: { prototype: object };
}

type Method = (this: unknown, ...args: never[]) => unknown;

const MAP_READ = 1; // GPUMapMode.READ

export class GpuCounterStore {
  private readonly totals: GpuCounts = { dispatches: 0, uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, submits: 0, buffersCreated: 0, createdBytes: 0, liveBytes: 0, peakBytes: 0, lastSubmitAt: NaN };
  private readonly open = new Set<GpuMark>();
  private readonly sizes = new WeakMap<object, number>();
  /** Whether a WebGPU API was wrapped (false in Node, where onnxruntime-node's WebGPU has no JS API to count). */
  installed = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  mark(): GpuMark {
    const m = { start: { ...this.totals }, peak: this.totals.liveBytes };
    this.open.add(m);
    return m;
  }

  since(m: GpuMark): GpuCounts {
    const t = this.totals;
    const s = m.start;
    return {
      dispatches: t.dispatches - s.dispatches,
      uploads: t.uploads - s.uploads,
      uploadBytes: t.uploadBytes - s.uploadBytes,
      readbacks: t.readbacks - s.readbacks,
      readbackBytes: t.readbackBytes - s.readbackBytes,
      submits: t.submits - s.submits,
      buffersCreated: t.buffersCreated - s.buffersCreated,
      createdBytes: t.createdBytes - s.createdBytes,
      liveBytes: t.liveBytes,
      peakBytes: m.peak,
      lastSubmitAt: t.submits > s.submits ? t.lastSubmitAt : NaN,
    };
  }

  /** `since`, then forgets the mark (open marks cost a comparison per buffer created). */
  end(m: GpuMark): GpuCounts {
    this.open.delete(m);
    return this.since(m);
  }

  counts(): GpuCounts {
    return { ...this.totals };
  }

  // The events, called by the wrappers (and directly by tests of the arithmetic).
  dispatched(): void {
    this.totals.dispatches++;
  }

  allocated(buffer: object, bytes: number, mappedAtCreation: boolean): void {
    this.sizes.set(buffer, bytes);
    const t = this.totals;
    t.buffersCreated++;
    t.createdBytes += bytes;
    t.liveBytes += bytes;
    if (t.liveBytes > t.peakBytes) t.peakBytes = t.liveBytes;
    for (const m of this.open) if (t.liveBytes > m.peak) m.peak = t.liveBytes;
    if (mappedAtCreation) this.uploaded(bytes);
  }

  destroyed(buffer: object): void {
    const bytes = this.sizes.get(buffer);
    if (bytes === undefined) return; // created before install, or destroyed twice
    this.sizes.delete(buffer);
    this.totals.liveBytes -= bytes;
  }

  uploaded(bytes: number): void {
    this.totals.uploads++;
    this.totals.uploadBytes += bytes;
  }

  mapped(buffer: object, mode: number, offset = 0, size?: number): void {
    if ((mode & MAP_READ) === 0) return;
    const whole = this.sizes.get(buffer) ?? (buffer as { size?: number }).size ?? 0;
    this.totals.readbacks++;
    this.totals.readbackBytes += size ?? Math.max(0, whole - offset);
  }

  submitted(): void {
    this.totals.submits++;
    this.totals.lastSubmitAt = this.now();
  }

  /**
   * Wraps the prototypes once; buffers created before stay uncounted. Call before onnxruntime creates its device (the
   * counts are per-process, so every device made afterwards is counted). Returns false where there is no WebGPU.
   */
  install(classes: Partial<WebGpuClasses> = globalThis as Partial<WebGpuClasses>): boolean {
    const { GPUDevice, GPUQueue, GPUBuffer, GPUComputePassEncoder } = classes;
    if (this.installed) return true;
    if (!GPUDevice || !GPUQueue || !GPUBuffer || !GPUComputePassEncoder) return false;
    const wrap = (proto: object, name: string, before: (self: object, args: unknown[]) => void, after?: (self: object, result: unknown, args: unknown[]) => void) => {
      const original = (proto as Record<string, Method | undefined>)[name];
      if (typeof original !== 'function') return;
      Object.defineProperty(proto, name, {
        configurable: true,
        writable: true,
        value: function (this: object, ...args: unknown[]) {
          before(this, args);
          const result = original.apply(this, args as never[]);
          after?.(this, result, args);
          return result;
        },
      });
    };
    const store = this as GpuCounterStore; // the wrappers' own `this` is the WebGPU object
    wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', () => store.dispatched());
    wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroupsIndirect', () => store.dispatched());
    wrap(GPUDevice.prototype, 'createBuffer', () => undefined, (_self, buffer, [desc]) => {
      const d = desc as { size: number; mappedAtCreation?: boolean };
      if (buffer && typeof buffer === 'object') store.allocated(buffer, Number(d.size), d.mappedAtCreation === true);
    });
    wrap(GPUBuffer.prototype, 'destroy', (self) => store.destroyed(self));
    wrap(GPUBuffer.prototype, 'mapAsync', (self, [mode, offset, size]) => store.mapped(self, mode as number, offset as number | undefined, size as number | undefined));
    wrap(GPUQueue.prototype, 'writeBuffer', (_self, [, , data, dataOffset, size]) => store.uploaded(writeBytes(data, dataOffset as number | undefined, size as number | undefined)));
    wrap(GPUQueue.prototype, 'submit', () => store.submitted());
    this.installed = true;
    return true;
  }
}

/** queue.writeBuffer's byte count: offset and size count elements for a typed array, bytes otherwise. */
export function writeBytes(data: unknown, dataOffset = 0, size?: number): number {
  const view = data as { BYTES_PER_ELEMENT?: number; length?: number; byteLength: number };
  const element = ArrayBuffer.isView(data) ? (view.BYTES_PER_ELEMENT ?? 1) : 1;
  const units = element === 1 ? view.byteLength : view.length!;
  return (size ?? Math.max(0, units - dataOffset)) * element;
}

/** The worker's counters (one per JS realm; the runtime's OrtRunner and the engine read them). */
export const gpuCounters = new GpuCounterStore();
