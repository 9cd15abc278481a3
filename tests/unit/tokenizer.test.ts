// CLIP token ids (both tokenizers, 77 tokens, BOS/EOS/padding) against the Python reference for every fixture prompt.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clipCleanText } from '../../src/pipeline/clip-text-clean';
import { clipInputIds } from '../../src/pipeline/clip-tokens';
import { createClipTokenizer } from '../../src/runtime/clip-tokenizer';
import { loadReference, modelDir } from './reference';

interface Case { prompt: string; ids: number[]; ids_no_ftfy: number[]; input_ids_tokenizer: number[]; input_ids_tokenizer_2: number[] }
const ref = loadReference<{ cases: Case[] }>('tokenizer_ids').index;
const load = (dir: string) => createClipTokenizer(
  JSON.parse(readFileSync(`${modelDir}${dir}/tokenizer.json`, 'utf8')),
  JSON.parse(readFileSync(`${modelDir}${dir}/tokenizer_config.json`, 'utf8')),
);
const tok1 = load('tokenizer');
const tok2 = load('tokenizer_2');

describe('CLIP tokenization', () => {
  it('covers the 32 fixture prompts, including the three that ftfy changes', () => {
    expect(ref.cases).toHaveLength(32);
    expect(ref.cases.filter((c) => JSON.stringify(c.ids) !== JSON.stringify(c.ids_no_ftfy)).length).toBeGreaterThanOrEqual(3);
  });

  for (const c of ref.cases) {
    it(`matches Python for ${JSON.stringify(c.prompt.slice(0, 40))}`, () => {
      expect([tok1.bosId, ...tok1.encodeBody(clipCleanText(c.prompt)), tok1.eosId]).toEqual(c.ids);
      expect(clipInputIds(tok1, c.prompt)).toEqual(c.input_ids_tokenizer);
      expect(clipInputIds(tok2, c.prompt)).toEqual(c.input_ids_tokenizer_2);
    });
  }

  it('keeps the EOS when truncating a long prompt (BOS + 75 + EOS)', () => {
    const ids = clipInputIds(tok1, 'cat '.repeat(120));
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(tok1.bosId);
    expect(ids[76]).toBe(tok1.eosId);
  });

  it('pads tokenizer_2 with "!" (id 0) and tokenizer with EOS', () => {
    expect(tok2.padId).toBe(0);
    expect(tok1.padId).toBe(tok1.eosId);
  });
});
