// Textual-inversion tokens: diffusers' trigger expansion and the ids both tokenizers give, padded as each pads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clipInputIds } from '../../src/pipeline/clip-tokens';
import { tokenizePrompt } from '../../src/pipeline/prompt-encoding';
import { readTiFile, type TiFile } from '../../src/pipeline/ti/ti-file';
import { withAddedTokens } from '../../src/pipeline/ti/ti-tokens';
import { expandTriggers, triggerTokens } from '../../src/pipeline/ti/ti-triggers';
import { applyTextualInversions, readTiBase, TiCache, tiKey, type TiApplied } from '../../src/runtime/ti-apply';
import { dirModelFiles } from './node-model';
import { loadReference, modelDir, testDataDir } from './reference';

interface TiCase { name: string; prompt: string; textual_inversion: Record<'tokenizer' | 'tokenizer_2', { added_tokens: Record<string, number>; converted_prompt: string; input_ids: number[]; input_ids_padded_77: number[] }> }
const ref = loadReference<{ cases: TiCase[] }>('assets', 'tiny-sdxl-assets/reference');
const tiCase = ref.index.cases.find((c) => c.name === 'ti_tiny_style_seed8')!;
const tiFile = readTiFile(new Uint8Array(readFileSync(`${testDataDir}tiny-sdxl-assets/textual_inversions/ti_sdxl.safetensors`)));
const base = readTiBase(dirModelFiles(modelDir));
const applied = (tis: Record<string, { trigger: string; file: TiFile }> = { 'tiny-style': { trigger: '<tiny-style>', file: tiFile } }): Promise<TiApplied> =>
  base.then((b) => applyTextualInversions(b, tis));
const noRunner = undefined as never;

describe('trigger expansion (maybe_convert_prompt)', () => {
  const t = (trigger: string, vectors: number) => ({ trigger, vectors });
  it('gives the converted prompt diffusers recorded', () => {
    expect(expandTriggers(tiCase.prompt, [t('<tiny-style>', 2)])).toBe(tiCase.textual_inversion.tokenizer.converted_prompt);
  });
  it('replaces every occurrence, left to right without overlaps, as str.replace does', () => {
    expect(expandTriggers('<s>, <s><s>', [t('<s>', 3)])).toBe('<s> <s>_1 <s>_2, <s> <s>_1 <s>_2<s> <s>_1 <s>_2');
    expect(expandTriggers('zzz', [t('zz', 2)])).toBe('zz zz_1z');
  });
  it('leaves single-vector triggers and prompts without triggers as they are', () => {
    expect(expandTriggers('a <one> b', [t('<one>', 1)])).toBe('a <one> b');
    expect(expandTriggers('plain', [t('<s>', 4)])).toBe('plain');
  });
  it('takes the longest trigger where two start at the same place, and never expands inside an expansion', () => {
    expect(expandTriggers('<a>b <a>', [t('<a>', 2), t('<a>b', 2)])).toBe('<a>b <a>b_1 <a> <a>_1');
    expect(expandTriggers('<a>b', [t('<a>', 2), t('<a>b', 1)])).toBe('<a>b');
  });
  it('names tokens as diffusers does', () => expect(triggerTokens('<x>', 3)).toEqual(['<x>', '<x>_1', '<x>_2']));
});

describe('textual-inversion tokenizers', () => {
  it('adds <tiny-style> = 49408 and <tiny-style>_1 = 49409 to both tokenizers', async () => {
    const a = await applied();
    for (const c of ['text_encoder', 'text_encoder_2'] as const) expect(a.tokenIds[c]).toEqual({ 'tiny-style': Object.values(tiCase.textual_inversion.tokenizer.added_tokens) });
    expect(a.tokenIds.text_encoder['tiny-style']).toEqual([49408, 49409]);
  });

  it('gives diffusers\' ids for the case prompt, padded with 49407 (tokenizer) and 0 (tokenizer_2)', async () => {
    const a = await applied();
    const ids1 = clipInputIds(a.tokenizer, tiCase.prompt);
    const ids2 = clipInputIds(a.tokenizer2, tiCase.prompt);
    expect(ids1).toEqual(tiCase.textual_inversion.tokenizer.input_ids_padded_77);
    expect(ids2).toEqual(tiCase.textual_inversion.tokenizer_2.input_ids_padded_77);
    expect(ids1.slice(0, 7)).toEqual([49406, 320, 5352, 530, 49408, 49409, 49407]);
    expect([ids1[7], ids2[7]]).toEqual([49407, 0]);
    expect(ids1).toEqual(ref.ints('ti_tiny_style_seed8/text/0_text_encoder/input_ids'));
    expect(ids2).toEqual(ref.ints('ti_tiny_style_seed8/text/1_text_encoder_2/input_ids'));
  });

  it('weights all of a trigger\'s tokens inside a weighted group', async () => {
    const a = await applied();
    const enc = { tokenizer: a.tokenizer, tokenizer2: a.tokenizer2, textEncoder: noRunner, textEncoder2: noRunner };
    const t = tokenizePrompt(enc, 'a portrait in (<tiny-style>:1.2)');
    for (const [chunks, padded] of [[t.chunks1, tiCase.textual_inversion.tokenizer], [t.chunks2, tiCase.textual_inversion.tokenizer_2]] as const) {
      expect(chunks).toHaveLength(1);
      expect(chunks[0]!.ids).toEqual(padded.input_ids_padded_77);
      expect(chunks[0]!.weights.slice(0, 7)).toEqual([1, 1, 1, 1, 1.2, 1.2, 1]);
    }
    expect(t.weighted1 && t.weighted2).toBe(true);
  });

  it('expands a trigger in a long prompt before it is cut into 75-token chunks', async () => {
    const a = await applied();
    const enc = { tokenizer: a.tokenizer, tokenizer2: a.tokenizer2, textEncoder: noRunner, textEncoder2: noRunner };
    const prompt = `${'a '.repeat(74)}<tiny-style> in a portrait`; // 74 tokens, then the trigger's two
    const t = tokenizePrompt(enc, prompt);
    expect(t.chunks1).toHaveLength(2);
    expect(t.chunks1[0]!.ids.slice(74, 77)).toEqual([320, 49408, 49407]);
    expect(t.chunks1[1]!.ids.slice(0, 6)).toEqual([49406, 49409, 530, 320, 5352, 49407]);
    expect(t.chunks2[1]!.ids.slice(0, 7)).toEqual([49406, 49409, 530, 320, 5352, 49407, 0]);
  });

  it('expands the triggers of several TIs, with ids in request order', async () => {
    const second: TiFile = { clipL: { ...tiFile.clipL, count: 1, data: tiFile.clipL.data.slice(0, 32) }, clipG: { ...tiFile.clipG, count: 1, data: tiFile.clipG.data.slice(0, 32) } };
    const a = await applied({ 'tiny-style': { trigger: '<tiny-style>', file: tiFile }, other: { trigger: '<other>', file: second } });
    expect(a.tokenIds.text_encoder).toEqual({ 'tiny-style': [49408, 49409], other: [49410] });
    expect(clipInputIds(a.tokenizer2, '<other> and <tiny-style>').slice(0, 7)).toEqual([49406, 49410, 537, 49408, 49409, 49407, 0]);
  });

  it('refuses a trigger the vocabulary already has, two TIs with one trigger, and a trigger with spaces', async () => {
    const b = await base;
    expect(() => withAddedTokens(b.encoders.text_encoder.tokenizerJson, ['a</w>'])).toThrow(/"a<\/w>" is already in the tokenizer's vocabulary/);
    await expect(applied({ x: { trigger: '<|endoftext|>', file: tiFile } })).rejects.toThrow(/already in the tokenizer's vocabulary/);
    await expect(applied({ x: { trigger: '<t>', file: tiFile }, y: { trigger: '<t>', file: tiFile } })).rejects.toThrow(/"x" and "y" have the same trigger "<t>"/);
    await expect(applied({ x: { trigger: 'two words', file: tiFile } })).rejects.toThrow(/contains whitespace/);
  });
});

describe('TiCache', () => {
  it('reuses the applied set for the same TIs and re-applies when a trigger, a vector or the order changes', async () => {
    const b = await base;
    const cache = new TiCache();
    const other: TiFile = { clipL: { ...tiFile.clipL, data: tiFile.clipL.data.map((v) => v + 1) }, clipG: tiFile.clipG };
    const first = await cache.apply(b, { s: { trigger: '<s>', file: tiFile } });
    expect(first.changed).toBe(true);
    const again = await cache.apply(b, { s: { trigger: '<s>', file: readTiFile(new Uint8Array(readFileSync(`${testDataDir}tiny-sdxl-assets/textual_inversions/ti_sdxl.safetensors`))) } });
    expect(again).toEqual({ applied: first.applied, changed: false });
    expect((await cache.apply(b, { s: { trigger: '<t>', file: tiFile } })).changed).toBe(true);
    expect((await cache.apply(b, { s: { trigger: '<t>', file: other } })).changed).toBe(true);
    const two = { s: { trigger: '<t>', file: other }, u: { trigger: '<u>', file: tiFile } };
    const twoKey = tiKey(two);
    expect(tiKey({ u: two.u, s: two.s })).not.toBe(twoKey);
    expect((await cache.apply(b, two)).applied.key).toBe(twoKey);
  });
});
