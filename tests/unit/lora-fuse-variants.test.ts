// The fused-variant cache: a repeated request does not fuse again, new weights re-fuse with the parsed LoRA reused,
// the byte cap evicts least recently used variants (never the one in use), and the stats the UI shows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParsedLora } from '../../src/pipeline/lora/lora-types';
import { memoryOverlay } from '../../src/runtime/fuse-overlay';
import { FusedVariants, variantBytes, type VariantKey } from '../../src/runtime/fused-variants';
import { fuseLoras, type FusedModel } from '../../src/runtime/lora-fuse';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { fixtureLora, fmaAdder, initializerValues } from './lora-fixtures';
import { modelDir } from './reference';

const sharded = shardOnnxModel(new Uint8Array(readFileSync(`${modelDir}unet/model.onnx`)), { maxShardBytes: 3_000_000 });
const shards = new Map([...sharded.shards].map(([k, v]) => [k, new Blob([v.slice()])]));

function harness(maxBytes: number) {
  const counts = { parse: 0, fuse: 0 };
  const evicted: string[] = [];
  const cache = new FusedVariants({ maxBytes, onEvict: (k) => void evicted.push(k.loras.map((l) => `${l.key}@${l.weight}`).join('+')) });
  const request = async (loras: { key: 'tiny-kohya' | 'tiny-diffusers'; weight: number }[]): Promise<FusedModel> => {
    const key: VariantKey = { component: 'unet', baseModel: 'tiny-sdxl', loras };
    return cache.get(key, async () => {
      counts.fuse++;
      const entries = await Promise.all(loras.map(async (l) => ({
        lora: await cache.parsedLora(l.key, async (): Promise<ParsedLora> => (counts.parse++, fixtureLora(l.key))),
        weight: l.weight,
      })));
      return fuseLoras(sharded.model, shards, entries, fmaAdder, memoryOverlay(), { component: 'unet' });
    });
  };
  return { cache, counts, evicted, request };
}

describe('fused variants', () => {
  it('fuses a repeated request once, and re-fuses new weights without parsing the LoRA again', async () => {
    const h = harness(1e9);
    const [a, b] = await Promise.all([h.request([{ key: 'tiny-kohya', weight: 1 }]), h.request([{ key: 'tiny-kohya', weight: 1 }])]);
    expect(b).toBe(a);
    expect(await h.request([{ key: 'tiny-kohya', weight: 1 }])).toBe(a);
    expect(h.counts).toEqual({ parse: 1, fuse: 1 });
    const c = await h.request([{ key: 'tiny-kohya', weight: 0.5 }]);
    expect(h.counts).toEqual({ parse: 1, fuse: 2 });
    const name = c.patched[0]!.initializer;
    expect((await initializerValues(c, name)).raw).not.toEqual((await initializerValues(a, name)).raw);
    expect(h.cache.stats()).toEqual({ entries: 2, bytes: a.overlayBytes + c.overlayBytes, parsedLoras: 1 });
    expect(variantBytes(a)).toBe(a.overlayBytes);
  });

  it('evicts the least recently used variants past the byte cap, never the one in use', async () => {
    const probe = await harness(1e9).request([{ key: 'tiny-kohya', weight: 1 }]);
    const h = harness(probe.overlayBytes * 2 + 1);
    await h.request([{ key: 'tiny-kohya', weight: 1 }]);
    await h.request([{ key: 'tiny-kohya', weight: 0.5 }]);
    await h.request([{ key: 'tiny-kohya', weight: 1 }]); // now the most recently used
    expect(h.evicted).toEqual([]);
    await h.request([{ key: 'tiny-kohya', weight: 0.25 }]);
    expect(h.evicted).toEqual(['tiny-kohya@0.5']);
    expect(h.cache.stats().entries).toBe(2);
    // A single variant above the cap is still kept while it is the one in use.
    const tiny = harness(1);
    await tiny.request([{ key: 'tiny-kohya', weight: 1 }]);
    expect(tiny.cache.stats().entries).toBe(1);
    await tiny.request([{ key: 'tiny-kohya', weight: 1 }, { key: 'tiny-diffusers', weight: 1 }]);
    expect(tiny.evicted).toEqual(['tiny-kohya@1']);
    await tiny.cache.clear();
    expect(tiny.cache.stats()).toEqual({ entries: 0, bytes: 0, parsedLoras: 0 });
    expect(tiny.evicted).toHaveLength(2);
  });
});
