// The engine's LoRA variants: the fixture LoRA fused through the exact path and through the fast path (a MatMul on
// onnxruntime) give the same initializers within 1e-6 of each weight's largest ΔW; small LoRAs take the exact path.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { LoraVariants } from '../../src/runtime/lora-variant';
import { indexOnnxGraph } from '../../src/runtime/onnx-initializers';
import { ortDeltaAdder } from '../../src/runtime/ort-delta';
import { dirModelFiles } from './node-model';
import { modelDir, testDataDir } from './reference';

const LORA = `${testDataDir}tiny-sdxl-assets/loras/lora_kohya.safetensors`;
const ref = { name: 'k', key: 'k', weight: 1, read: async () => new Uint8Array(readFileSync(LORA)) };

async function unetBytes(v: LoraVariants): Promise<Uint8Array> {
  const fused = await v.fuse([ref]);
  return fused.files.bytes('unet/model.onnx');
}

describe('LoRA variants: exact and fast ΔW', () => {
  it('the fast path is taken above the limit and agrees with the exact one', async () => {
    let fastCalls = 0;
    const fastAdder = async () => {
      const a = await ortDeltaAdder(ort, ['wasm']);
      return (async (...args: Parameters<typeof a.add>) => { fastCalls++; return a.add(...args); }) as typeof a.add;
    };
    const exact = await unetBytes(new LoraVariants(dirModelFiles(modelDir), 'base', { fastAdder }));
    expect(fastCalls).toBe(0);
    const fast = await unetBytes(new LoraVariants(dirModelFiles(modelDir), 'base', { fastAdder, exactMacsLimit: 0 }));
    expect(fastCalls).toBe(80); // every module of the file: 30 in the UNet, 50 in the two text encoders
    // Same graph, same initializers; the patched weights within 1e-6 relative to their largest value.
    expect(fast.length).toBe(exact.length);
    const index = indexOnnxGraph(exact);
    let worst = 0;
    let changed = 0;
    for (const [, init] of index.initializers) {
      if (init.data?.kind !== 'inline' || init.dataType !== 1) continue;
      const a = new Float32Array(exact.slice(init.data.start, init.data.end).buffer);
      const b = new Float32Array(fast.slice(init.data.start, init.data.end).buffer);
      const peak = a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) changed++;
        worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (peak || 1));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    // The two paths round differently somewhere (else this test could not tell them apart), never by much.
    expect(changed).toBeGreaterThan(0);
  });
});
