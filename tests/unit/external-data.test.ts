// External-data discovery from the .onnx protobuf, the shard tool, and a sharded model generating like the original.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate as txt2img } from '../../src/pipeline/generate';
import { loadSdxl, type LoadedModel } from '../../src/runtime/load-sdxl';
import { externalDataFiles } from '../../src/runtime/onnx-external-data';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { RunClock } from '../../src/runtime/ort-runner';
import { shardModelFolder } from '../../scripts/shard-onnx';
import { dirModelFiles, tinyModel } from './node-model';
import { modelDir } from './reference';

const SHARD_BYTES = 3_000_000;
let dir: string;
let sharded: LoadedModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdxl-sharded-'));
  await shardModelFolder(modelDir, dir, SHARD_BYTES, ['unet', 'text_encoder_2']);
  sharded = await loadSdxl(dirModelFiles(dir), { ort, provider: 'wasm', clock: new RunClock() });
});
afterAll(async () => {
  await sharded?.release();
  await rm(dir, { recursive: true, force: true });
});

describe('external data', () => {
  it('finds no external data in an inline model', async () => {
    expect(externalDataFiles(new Uint8Array(await readFile(`${modelDir}vae_decoder/model.onnx`)))).toEqual([]);
  });

  it('splits weights into shards no larger than the limit (unless one tensor is larger)', async () => {
    const model = new Uint8Array(await readFile(`${modelDir}unet/model.onnx`));
    const out = shardOnnxModel(model, { maxShardBytes: SHARD_BYTES });
    expect([...out.shards.keys()]).toEqual(['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2', 'model.onnx_data_3'].slice(0, out.shards.size));
    expect(out.shards.size).toBeGreaterThanOrEqual(3);
    for (const bytes of out.shards.values()) expect(bytes.length).toBeLessThanOrEqual(SHARD_BYTES);
    expect(out.model.length).toBeLessThan(model.length / 3);
    expect(externalDataFiles(out.model)).toEqual([...out.shards.keys()]);
  });

  it('discovers the shards of a sharded folder from each .onnx, and the manifest lists them with hashes', async () => {
    const unetFiles = (await readdir(join(dir, 'unet'))).filter((f) => f.startsWith('model.onnx_data')).sort();
    expect(externalDataFiles(new Uint8Array(await readFile(join(dir, 'unet/model.onnx')))).sort()).toEqual(unetFiles);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(unetFiles.map((f) => `unet/${f}`)));
    expect(sharded.info.componentBytes.unet).toBeGreaterThan(8_000_000);
  });

  it('generates exactly what the unsharded model generates', async () => {
    const request = { prompt: 'a red fox in the snow', negative_prompt: 'blurry', width: 64, height: 64, steps: 2, cfg_scale: 3, sampler: 'K_EULER' as const, seed: 7, num_images: 1 };
    const a = await txt2img((await tinyModel()).components, request, { randomSeed: () => 0 });
    const b = await txt2img(sharded.components, request, { randomSeed: () => 0 });
    expect(Array.from(b.images[0]!.finalLatents!)).toEqual(Array.from(a.images[0]!.finalLatents!));
    expect(Array.from(b.images[0]!.rgba)).toEqual(Array.from(a.images[0]!.rgba));
  });
});

describe('external data written by the onnx library itself', () => {
  it('finds the three shards of the fixture text_encoder_2 (graph only, weights not needed)', async () => {
    const model = new Uint8Array(await readFile(`${modelDir}../onnx/text_encoder_2.sharded-by-onnx.onnx`));
    expect(externalDataFiles(model)).toEqual(['model.onnx_data', 'model.onnx_data_1', 'model.onnx_data_2']);
  });
});
