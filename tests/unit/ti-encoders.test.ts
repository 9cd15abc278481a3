// Textual inversions in the text encoders: grown embedding rows, and the grown ONNX encoders (inline, external data)
// against diffusers' text-encoder calls and prompt_embeds for case ti_tiny_style_seed8 (onnxruntime-web, wasm).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { encodeConditioning } from '../../src/pipeline/prompt-encoding';
import { readTiFile } from '../../src/pipeline/ti/ti-file';
import { intTensor } from '../../src/pipeline/tensor';
import { createComponentSession } from '../../src/runtime/component-session';
import type { ModelFiles } from '../../src/runtime/model-files';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { applyTextualInversions, readTiBase, tiModelFiles, type TiApplied } from '../../src/runtime/ti-apply';
import { clock, dirModelFiles } from './node-model';
import { loadReference, maxAbsDiff, modelDir, testDataDir } from './reference';
import { tensorOf } from './ti-onnx';

interface Call { model: 'text_encoder' | 'text_encoder_2'; input_ids: string; hidden_states_penultimate: string; pooled: string; onnx_outputs: { hidden_states_penultimate: string; pooled: string } }
interface TiCase { name: string; prompt: string; text_encoder_calls: Call[]; steps: { prompt_embeds?: string; add_text_embeds?: string }[] }
const ref = loadReference<{ cases: TiCase[] }>('assets', 'tiny-sdxl-assets/reference');
const tiCase = ref.index.cases.find((c) => c.name === 'ti_tiny_style_seed8')!;
const tiFile = readTiFile(new Uint8Array(readFileSync(`${testDataDir}tiny-sdxl-assets/textual_inversions/ti_sdxl.safetensors`)));
const TIS = { 'tiny-style': { trigger: '<tiny-style>', file: tiFile } };
const TOL = 1e-4;
const EMBEDDING = 'text_model.embeddings.token_embedding.weight';
const base = dirModelFiles(modelDir);

/** The base files with some paths replaced (and Blobs, as a stored model offers them, unless `blobs` is false). */
function withFiles(extra: Map<string, Uint8Array>, blobs = true): ModelFiles {
  const files: ModelFiles = {
    location: base.location,
    bytes: async (p, on) => extra.get(p) ?? base.bytes(p, on),
    json: (p) => base.json(p),
    exists: async (p) => extra.has(p) || base.exists(p),
  };
  if (blobs) files.blob = async (p) => new Blob([(extra.get(p) ?? (await base.bytes(p))) as Uint8Array<ArrayBuffer>]);
  return files;
}

/** The text encoders of `files` with the fixture's TI applied, as sessions the loader makes, and the tokenizers. */
async function tiEncoders(files: ModelFiles) {
  const applied = await applyTextualInversions(await readTiBase(files), TIS);
  const patched = tiModelFiles(files, applied);
  const opts = { ort, provider: 'wasm' as const, clock };
  const [te1, te2] = [await createComponentSession(patched, 'text_encoder', opts), await createComponentSession(patched, 'text_encoder_2', opts)];
  return { applied, patched, enc: { tokenizer: applied.tokenizer, tokenizer2: applied.tokenizer2, textEncoder: te1.runner, textEncoder2: te2.runner } };
}

let inlineEncoders: ReturnType<typeof tiEncoders> | undefined;
/** The fixture's own (inline-weight) text encoders with the TI, made once for the tests that only run them. */
const inline = () => (inlineEncoders ??= tiEncoders(base));

async function expectReferenceCalls(enc: Awaited<ReturnType<typeof tiEncoders>>['enc']): Promise<void> {
  expect(tiCase.text_encoder_calls).toHaveLength(2);
  for (const call of tiCase.text_encoder_calls) {
    const runner = call.model === 'text_encoder' ? enc.textEncoder : enc.textEncoder2;
    const ids = ref.ints(call.input_ids);
    const names = [call.onnx_outputs.hidden_states_penultimate, call.onnx_outputs.pooled];
    const out = await runner.run({ input_ids: intTensor(ids, [1, ids.length], 'int64') }, names);
    expect(maxAbsDiff(out[names[0]!]!.data as Float32Array, ref.float(call.hidden_states_penultimate)), `${call.model} hidden`).toBeLessThanOrEqual(TOL);
    expect(maxAbsDiff(out[names[1]!]!.data as Float32Array, ref.float(call.pooled)), `${call.model} pooled`).toBeLessThanOrEqual(TOL);
  }
}

describe('textual inversion: grown token embeddings', () => {
  it('appends the file\'s vectors as rows 49408, 49409 and keeps every row below bit for bit', async () => {
    const applied: TiApplied = await applyTextualInversions(await readTiBase(base), TIS);
    for (const [component, vectors] of [['text_encoder', tiFile.clipL], ['text_encoder_2', tiFile.clipG]] as const) {
      const before = tensorOf(await base.bytes(`${component}/model.onnx`), EMBEDDING);
      const after = tensorOf(applied.grown[component].model, EMBEDDING);
      expect(before.dims).toEqual([49408, 32]);
      expect(after.dims).toEqual([49410, 32]);
      expect(after.dataType).toBe(1);
      expect(Buffer.from(after.raw!.subarray(0, before.raw!.length)).equals(Buffer.from(before.raw!))).toBe(true);
      expect(Array.from(new Float32Array(after.raw!.slice(before.raw!.length).buffer))).toEqual(Array.from(vectors.data));
    }
  });
});

describe('textual inversion: text encoders against diffusers (ti_tiny_style_seed8)', () => {
  it('gives each text-encoder call\'s hidden_states[-2] and pooled output (inline weights)', async () => {
    await expectReferenceCalls((await inline()).enc);
  });

  it('pools at the last TI token (argmax of input_ids), not at the EOS', async () => {
    const { enc } = await inline();
    const ids = ref.ints('ti_tiny_style_seed8/text/0_text_encoder/input_ids');
    expect(ids.indexOf(Math.max(...ids))).toBe(5);
    const out = await enc.textEncoder.run({ input_ids: intTensor(ids, [1, 77], 'int64') }, ['last_hidden_state', 'pooler_output']);
    const last = out.last_hidden_state!.data as Float32Array;
    const pooled = out.pooler_output!.data as Float32Array;
    expect(Array.from(pooled)).toEqual(Array.from(last.subarray(5 * 32, 6 * 32)));
    expect(maxAbsDiff(pooled, last.subarray(6 * 32, 7 * 32))).toBeGreaterThan(1e-3);
  });

  it('gives step 0\'s prompt_embeds and add_text_embeds through encodeConditioning (negative: zeros)', async () => {
    const { enc } = await inline();
    const cond = await encodeConditioning(enc, { prompt: tiCase.prompt }, true);
    const step0 = tiCase.steps[0]!;
    const embeds = ref.float(step0.prompt_embeds!); // [negative; positive]
    const textEmbeds = ref.float(step0.add_text_embeds!);
    const half = embeds.length / 2;
    expect(maxAbsDiff(cond.positive.embeds, embeds.subarray(half))).toBeLessThanOrEqual(TOL);
    expect(maxAbsDiff(cond.negative!.embeds, embeds.subarray(0, half))).toBe(0);
    expect(maxAbsDiff(cond.positive.pooled, textEmbeds.subarray(32))).toBeLessThanOrEqual(TOL);
  });

  for (const blobs of [true, false]) {
    it(`grows an embedding stored as external data into an overlay file, the shard untouched (${blobs ? 'Blobs' : 'bytes'})`, async () => {
      const extra = new Map<string, Uint8Array>();
      for (const component of ['text_encoder', 'text_encoder_2']) {
        const sharded = shardOnnxModel(await base.bytes(`${component}/model.onnx`), { maxShardBytes: 1 << 30 });
        extra.set(`${component}/model.onnx`, sharded.model);
        for (const [name, bytes] of sharded.shards) extra.set(`${component}/${name}`, bytes);
      }
      const files = withFiles(extra, blobs);
      const { applied, patched, enc } = await tiEncoders(files);
      const grown = applied.grown.text_encoder;
      expect(grown.overlay).toMatchObject({ path: 'token_embedding.ti_data', location: 'model.onnx_data', length: 49408 * 32 * 4 });
      const t = tensorOf(grown.model, EMBEDDING);
      expect(t.dims).toEqual([49410, 32]);
      expect(t.external).toEqual({ location: 'token_embedding.ti_data', offset: '0', length: String(49410 * 32 * 4) });
      const overlay = blobs ? new Uint8Array(await (await patched.blob!('text_encoder/token_embedding.ti_data')).arrayBuffer()) : await patched.bytes('text_encoder/token_embedding.ti_data');
      const inline = tensorOf(await base.bytes('text_encoder/model.onnx'), EMBEDDING).raw!;
      expect(Buffer.from(overlay.subarray(0, inline.length)).equals(Buffer.from(inline))).toBe(true);
      expect(Array.from(new Float32Array(overlay.slice(inline.length).buffer))).toEqual(Array.from(tiFile.clipL.data));
      expect(await patched.bytes('text_encoder/model.onnx_data')).toBe(extra.get('text_encoder/model.onnx_data'));
      await expectReferenceCalls(enc);
    });
  }
});
