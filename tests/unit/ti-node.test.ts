// Textual inversions on the Node engine's sessions (onnxruntime-node, opened from paths): external-data text encoders.
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readTiFile } from '../../src/pipeline/ti/ti-file';
import { dirModelFiles } from '../../src/node/dir-files';
import { nodeSessionOpener } from '../../src/node/node-sessions';
import { tiNodeFiles } from '../../src/node/ti-node-files';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { applyTextualInversions, readTiBase } from '../../src/runtime/ti-apply';
import { loadReference, maxAbsDiff, modelDir, testDataDir } from './reference';

interface Call { model: 'text_encoder' | 'text_encoder_2'; input_ids: string; hidden_states_penultimate: string; pooled: string; onnx_outputs: { hidden_states_penultimate: string; pooled: string } }
const ref = loadReference<{ cases: { name: string; text_encoder_calls: Call[] }[] }>('assets', 'tiny-sdxl-assets/reference');
const calls = ref.index.cases.find((c) => c.name === 'ti_tiny_style_seed8')!.text_encoder_calls;
const temp: string[] = [];
afterAll(() => Promise.all(temp.map((d) => rm(d, { recursive: true, force: true }))));

/** The tiny model's tokenizers and text encoders in a folder, the encoders' weights moved to external data. */
async function externalModel(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ti-node-'));
  temp.push(dir);
  for (const t of ['tokenizer', 'tokenizer_2']) await symlink(join(modelDir, t), join(dir, t));
  for (const c of ['text_encoder', 'text_encoder_2']) {
    const sharded = shardOnnxModel(new Uint8Array(await readFile(join(modelDir, c, 'model.onnx'))), { maxShardBytes: 1 << 30 });
    await mkdir(join(dir, c));
    await writeFile(join(dir, c, 'model.onnx'), sharded.model);
    for (const [name, bytes] of sharded.shards) await writeFile(join(dir, c, name), bytes);
  }
  return dir;
}

describe('textual inversion on onnxruntime-node', () => {
  it('opens the grown external-data text encoders from paths and equals diffusers\' calls', async () => {
    const dir = await externalModel();
    const files = dirModelFiles(dir);
    const file = readTiFile(new Uint8Array(await readFile(`${testDataDir}tiny-sdxl-assets/textual_inversions/ti_sdxl.safetensors`)));
    const applied = await applyTextualInversions(await readTiBase(files), { 'tiny-style': { trigger: '<tiny-style>', file } });
    expect(applied.grown.text_encoder_2.overlay?.location).toBe('model.onnx_data');
    const ti = await tiNodeFiles(files, applied, join(dir, 'ti'));
    expect(ti.files.localPath!('text_encoder/model.onnx')).toBe(join(dir, 'ti', 'text_encoder', 'model.onnx'));
    const open = nodeSessionOpener(ortNode, { provider: 'cpu' });
    for (const call of calls) {
      const session = await (await open(ti.files, call.model)).open({});
      const ids = ref.ints(call.input_ids);
      const out = await session.run({ input_ids: new ortNode.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) });
      expect(maxAbsDiff(out[call.onnx_outputs.hidden_states_penultimate]!.data as Float32Array, ref.float(call.hidden_states_penultimate))).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(out[call.onnx_outputs.pooled]!.data as Float32Array, ref.float(call.pooled))).toBeLessThanOrEqual(1e-4);
      await session.release();
    }
    await ti.release();
  });
});
