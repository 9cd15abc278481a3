// The asset library as the engine reads it: a request's names found among the stored assets of their kind.
import type { AssetStore } from '../runtime/asset-store';
import type { ByteStore } from '../runtime/byte-store';
import { storeOverlay } from '../runtime/fuse-overlay';
import type { LoraVariantOptions } from '../runtime/lora-variant';
import type { AssetSource } from './run-assets';

/** Single-file kinds: the asset is its one .safetensors file. */
const SINGLE = new Set(['lora', 'textual_inversion']);

export function storeAssetSource(store: AssetStore): AssetSource {
  return {
    async find(kind, name) {
      const e = await store.get(name);
      if (!e || e.kind !== kind) return undefined;
      // Keyed by content, so a rename keeps fused variants and sessions.
      return { key: `${kind}:${e.sha256}`, files: await store.files(name), ...(SINGLE.has(kind) ? { file: e.files[0]!.path } : {}) };
    },
    async names(kind) {
      return (await store.list()).filter((e) => e.kind === kind).map((e) => e.name);
    },
    activeRefiner: () => store.activeRefiner(),
  };
}

/** Fused LoRA variants' patched initializers go to overlay files in `dir` of the same store (evicted ones are removed). */
export function storeOverlays(bytes: ByteStore, dir = 'variants'): LoraVariantOptions {
  return {
    overlay: (name) => storeOverlay(bytes, `${dir}/${name}`),
    dropOverlay: async (name) => void (await bytes.remove(`${dir}/${name}`).catch(() => undefined)),
  };
}
