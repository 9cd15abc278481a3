// Caches fused model variants (component + base model + LoRA set and weights) under a byte cap, LRU, and the parsed LoRAs.
import type { LoraComponent, ParsedLora } from '../pipeline/lora/lora-types';
import type { FusedModel } from './lora-fuse';

export interface VariantKey {
  component: LoraComponent;
  /** The base model's identity (its store key or URL, plus a content hash where there is one). */
  baseModel: string;
  /** In application order (it matters for rounding): each LoRA's identity (name + file hash) and weight. */
  loras: readonly { key: string; weight: number }[];
}

export interface VariantStats {
  entries: number;
  /** Storage the variants hold beyond the base model: overlay bytes, plus a patched model.onnx copy where inline. */
  bytes: number;
  parsedLoras: number;
}

export interface FusedVariantsOptions {
  maxBytes: number;
  /** How many parsed LoRAs to keep (they are what re-fusing with other weights needs). */
  maxParsed?: number;
  /** Frees what a variant holds (its overlay file). Never called for the variant a component last received. */
  onEvict?: (key: VariantKey, fused: FusedModel) => void | Promise<void>;
}

interface Entry {
  key: VariantKey;
  fused: FusedModel;
  bytes: number;
}

/** One string per variant: the same LoRAs in the same order with the same weights give the same key. */
export function variantKeyString(k: VariantKey): string {
  return JSON.stringify([k.component, k.baseModel, k.loras.map((l) => [l.key, l.weight])]);
}

/** The storage a variant adds: its overlay, and model.onnx when an inline weight made it a copy. */
export function variantBytes(f: FusedModel): number {
  return f.overlayBytes + (f.patched.some((p) => p.location === undefined) ? f.model.length : 0);
}

export class FusedVariants {
  private readonly entries = new Map<string, Entry>(); // Map order = least recently used first
  private readonly pending = new Map<string, Promise<FusedModel>>();
  private readonly parsed = new Map<string, Promise<ParsedLora>>();
  /** Per component, the variant handed out last: in use by its session, so never evicted. */
  private readonly current = new Map<LoraComponent, string>();

  constructor(private readonly opts: FusedVariantsOptions) {}

  /** The variant from the cache, or fused now (once, however many callers ask at the same time) and cached. */
  async get(key: VariantKey, fuse: () => Promise<FusedModel>): Promise<FusedModel> {
    const id = variantKeyString(key);
    this.current.set(key.component, id);
    const hit = this.entries.get(id);
    if (hit) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.fused;
    }
    const running = this.pending.get(id);
    if (running) return running;
    const made = fuse().then(async (fused) => {
      this.entries.set(id, { key, fused, bytes: variantBytes(fused) });
      await this.evict();
      return fused;
    });
    this.pending.set(id, made);
    try {
      return await made;
    } finally {
      this.pending.delete(id);
    }
  }

  /** A parsed LoRA, parsed once and kept (LRU, `maxParsed`): changing only the weights re-fuses without re-parsing. */
  async parsedLora(loraKey: string, parse: () => Promise<ParsedLora>): Promise<ParsedLora> {
    let p = this.parsed.get(loraKey);
    if (p) this.parsed.delete(loraKey);
    else p = parse();
    this.parsed.set(loraKey, p);
    p.catch(() => this.parsed.get(loraKey) === p && this.parsed.delete(loraKey));
    const max = this.opts.maxParsed ?? 8;
    for (const k of this.parsed.keys()) {
      if (this.parsed.size <= max) break;
      if (k !== loraKey) this.parsed.delete(k);
    }
    return p;
  }

  stats(): VariantStats {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.bytes;
    return { entries: this.entries.size, bytes, parsedLoras: this.parsed.size };
  }

  /** Drops every variant (and its overlay) and the parsed LoRAs, e.g. when the base model is deleted. */
  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    this.parsed.clear();
    this.current.clear();
    for (const e of all) await this.opts.onEvict?.(e.key, e.fused);
  }

  private async evict(): Promise<void> {
    const inUse = new Set(this.current.values());
    let total = this.stats().bytes;
    for (const [id, e] of [...this.entries]) {
      if (total <= this.opts.maxBytes) break;
      if (inUse.has(id)) continue;
      this.entries.delete(id);
      total -= e.bytes;
      await this.opts.onEvict?.(e.key, e.fused);
    }
  }
}
