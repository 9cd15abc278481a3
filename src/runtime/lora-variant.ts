// A request's LoRAs fused into the loaded model: the UNet and both text encoders patched (one initializer at a time,
// into overlays), cached per LoRA set and weights, and served as ModelFiles the loader makes sessions from unchanged.
import { addLoraDeltaExact } from '../pipeline/lora/lora-delta';
import type { DeltaAdder, LoraComponent, ParsedLora } from '../pipeline/lora/lora-types';
import { parseLora } from '../pipeline/lora/parse-lora';
import { memoryOverlay, type OverlayWriter } from './fuse-overlay';
import { fuseComponent } from './fuse-component';
import { FusedVariants } from './fused-variants';
import type { FusedModel } from './lora-fuse';
import type { ModelFiles } from './model-files';

/** One LoRA of the request, in request order: its asset key (name + hash), its weight, and its bytes on demand. */
export interface LoraRef {
  name: string;
  key: string;
  weight: number;
  read(): Promise<Uint8Array>;
}

export interface LoraVariantOptions {
  /** Where a variant's patched initializers go (an OPFS file in the browser); memory when absent. */
  overlay?: (name: string) => Promise<OverlayWriter>;
  /** Frees an evicted variant's overlay. */
  dropOverlay?: (name: string) => Promise<void>;
  /** The fast ΔW (onnxruntime MatMul on the model's EP) for LoRAs too big for the exact path. */
  fastAdder?: () => Promise<DeltaAdder>;
  /** Storage the cached variants may hold (default 4 GB). */
  maxBytes?: number;
  /** LoRAs above this many multiply-adds take the fast path (default EXACT_MACS_LIMIT). */
  exactMacsLimit?: number;
}

export interface FusedFiles {
  key: string;
  files: ModelFiles;
  /** Keys that matched no module and modules whose node this model lacks: reported, never fatal. */
  warnings: string[];
  /** Milliseconds spent fusing (0 when the variant came from the cache). */
  fuseMs: number;
}

const COMPONENTS: readonly LoraComponent[] = ['unet', 'text_encoder', 'text_encoder_2'];

/** The exact (torch bit-for-bit) ΔW below this many multiply-adds per LoRA; the fast path above it. */
export const EXACT_MACS_LIMIT = 200_000_000;

const macs = (l: ParsedLora): number => l.modules.reduce((n, m) => n + m.up.length / (m.upShape[1] ?? 1) * m.down.length, 0);

const overlayName = (key: string, component: string) => `${component}-${hash(key)}.overlay`;

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The base files with the fused components' model.onnx and external data in place of their own. */
export function fusedModelFiles(files: ModelFiles, fused: ReadonlyMap<LoraComponent, FusedModel>): ModelFiles {
  const lookup = (path: string): Blob | Uint8Array | undefined => {
    for (const [component, f] of fused) {
      if (path === `${component}/model.onnx`) return f.model;
      const ed = f.externalData.find((e) => path === `${component}/${e.path}`);
      if (ed) return ed.data;
    }
    return undefined;
  };
  return {
    location: files.location,
    ...(files.storeKey !== undefined ? { storeKey: files.storeKey } : {}),
    async bytes(path, onBytes) {
      const hit = lookup(path);
      if (!hit) return files.bytes(path, onBytes);
      return hit instanceof Uint8Array ? hit : new Uint8Array(await hit.arrayBuffer());
    },
    json: (path) => files.json(path),
    exists: async (path) => (lookup(path) ? true : files.exists(path)),
    blob: async (path) => {
      const hit = lookup(path);
      if (hit) return hit instanceof Uint8Array ? new Blob([hit as Uint8Array<ArrayBuffer>]) : hit;
      return files.blob ? files.blob(path) : new Blob([(await files.bytes(path)) as Uint8Array<ArrayBuffer>]);
    },
  };
}

export class LoraVariants {
  private readonly variants: FusedVariants;
  private layersPerBlock?: Promise<number>;

  constructor(private readonly files: ModelFiles, private readonly baseKey: string, private readonly opts: LoraVariantOptions = {}) {
    this.variants = new FusedVariants({
      maxBytes: opts.maxBytes ?? 4e9,
      onEvict: async (key) => void (await opts.dropOverlay?.(overlayName(JSON.stringify(key.loras), key.component))),
    });
  }

  /** Drops every cached variant and its overlay (a LoRA was deleted: nothing derived from it is kept). */
  clear(): Promise<void> {
    return this.variants.clear();
  }

  /** Cached variants' count and bytes (the UI shows them). */
  stats() {
    return this.variants.stats();
  }

  /** The model's files with every LoRA of the set fused, in order. */
  async fuse(loras: readonly LoraRef[]): Promise<FusedFiles> {
    const start = performance.now();
    let fusedNow = false;
    // A model stored from a download keeps only the files its layout needs, without unet/config.json: every SDXL UNet has 2.
    const lpb = await (this.layersPerBlock ??= this.files.json<{ layers_per_block?: number }>('unet/config.json').then((c) => c.layers_per_block ?? 2, () => 2));
    const parsed = await Promise.all(loras.map((l) => this.variants.parsedLora(l.key, async () => parseLora(await l.read(), { layersPerBlock: lpb, file: l.name }))));
    const warnings = parsed.flatMap((p, i) => p.unmatched.map((k) => `LoRA "${loras[i]!.name}": key ${k} matches no module of this model and was not applied.`));
    const exact = parsed.every((p) => macs(p) <= (this.opts.exactMacsLimit ?? EXACT_MACS_LIMIT)) || !this.opts.fastAdder;
    const adder = exact ? addLoraDeltaExact : await this.opts.fastAdder!();
    const setKey = loras.map((l) => ({ key: l.key, weight: l.weight }));
    const fused = new Map<LoraComponent, FusedModel>();
    for (const component of COMPONENTS) {
      if (!parsed.some((p) => p.modules.some((m) => m.component === component))) continue;
      const f = await this.variants.get({ component, baseModel: this.baseKey, loras: setKey }, async () => {
        fusedNow = true;
        const overlay = this.opts.overlay ? await this.opts.overlay(overlayName(JSON.stringify(setKey), component)) : memoryOverlay();
        const entries = parsed.map((lora, i) => ({ lora, weight: loras[i]!.weight }));
        return fuseComponent(this.files, component, entries, adder, overlay);
      });
      warnings.push(...f.warnings.map((w) => `${component}: ${w}`));
      fused.set(component, f);
    }
    return { key: JSON.stringify([this.baseKey, setKey]), files: fusedModelFiles(this.files, fused), warnings, fuseMs: fusedNow ? performance.now() - start : 0 };
  }
}
