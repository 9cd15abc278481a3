// LoRA fusion for sessions opened from a path (onnxruntime-node has no externalData option): the patched weights are
// relocated to the overlay file, the rest read from the stored shards; the session matches torch's fused UNet.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { memoryOverlay } from '../../src/runtime/fuse-overlay';
import { fuseLoras } from '../../src/runtime/lora-fuse';
import { relocateToOverlay } from '../../src/runtime/onnx-relocate';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { concatBytes } from '../../src/runtime/protobuf';
import { expectSameBytes, fixtureLora, fmaAdder, initializerValues, layers } from './lora-fixtures';
import { maxAbsDiff, modelDir } from './reference';

const unetBytes = () => new Uint8Array(readFileSync(`${modelDir}unet/model.onnx`));
const blobs = (shards: Map<string, Uint8Array>) => new Map([...shards].map(([k, v]) => [k, new Blob([v.slice()])]));
const kohya = () => [{ lora: fixtureLora('tiny-kohya'), weight: 1 }];

describe('LoRA fusion for sessions opened from a path', () => {
  it('points the patched weights at the overlay file; onnxruntime-node runs it and matches the fused torch UNet', async () => {
    const two = shardOnnxModel(unetBytes(), { maxShardBytes: 3_000_000 });
    const overlay = memoryOverlay();
    const fused = await fuseLoras(two.model, blobs(two.shards), kohya(), fmaAdder, overlay);
    const overlayBytes = concatBytes(overlay.parts);
    const relocated = relocateToOverlay(fused, 'lora.overlay');
    const files = [...blobs(two.shards)].map(([path, data]) => ({ path, data })).concat({ path: 'lora.overlay', data: new Blob([overlayBytes.slice()]) });
    for (const p of fused.patched) expectSameBytes((await initializerValues({ model: relocated, externalData: files }, p.initializer)).raw, (await initializerValues(fused, p.initializer)).raw);
    expect(() => relocateToOverlay(fused, '../x')).toThrow(/plain file name/);

    const dir = await mkdtemp(join(tmpdir(), 'lora-relocated-'));
    try {
      await writeFile(join(dir, 'model.onnx'), relocated);
      for (const [name, bytes] of two.shards) await writeFile(join(dir, name), bytes);
      await writeFile(join(dir, 'lora.overlay'), overlayBytes);
      const session = await ortNode.InferenceSession.create(join(dir, 'model.onnx'), { executionProviders: ['cpu'] });
      try {
        const check = layers.index.fused_unet_onnx.checks[0]!;
        const feeds = Object.fromEntries(Object.entries(check.inputs).map(([name, key]) => {
          const t = layers.tensor(key);
          return [name, new ortNode.Tensor('float32', Float32Array.from(t.data as Float32Array), t.shape)];
        }));
        const out = await session.run(feeds);
        expect(maxAbsDiff(out.out_sample!.data as Float32Array, layers.float(check.out_sample))).toBeLessThan(1e-4);
      } finally {
        await session.release();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
