// encode_prompt through the fixture's ONNX text encoders against diffusers' embeddings (≤ 1e-4).
import { describe, expect, it } from 'vitest';
import { encodeConditioning } from '../../src/pipeline/prompt-encoding';
import { tinyModel } from './node-model';
import { loadReference, maxAbsDiff } from './reference';

interface Case {
  name: string; prompt: string; negative_prompt: string | null; do_classifier_free_guidance: boolean;
  tensors: Record<string, string>;
}
const ref = loadReference<{ cases: Case[] }>('text_encoding');
const TOL = 1e-4;

describe('prompt encoding', () => {
  it('has the nine fixture cases', () => expect(ref.index.cases).toHaveLength(9));
  for (const c of ref.index.cases) {
    it(`matches diffusers for ${c.name}`, async () => {
      const { components } = await tinyModel();
      // diffusers encodes prompts literally: its p1 contains "(ultra-detailed:1.2)" as plain text.
      const cond = await encodeConditioning(components, { prompt: c.prompt, negative_prompt: c.negative_prompt ?? undefined }, c.do_classifier_free_guidance, { weighting: false });
      expect(maxAbsDiff(cond.positive.embeds, ref.float(c.tensors.prompt_embeds!))).toBeLessThanOrEqual(TOL);
      expect(maxAbsDiff(cond.positive.pooled, ref.float(c.tensors.pooled_prompt_embeds!))).toBeLessThanOrEqual(TOL);
      if (c.do_classifier_free_guidance) {
        expect(maxAbsDiff(cond.negative!.embeds, ref.float(c.tensors.negative_prompt_embeds!))).toBeLessThanOrEqual(TOL);
        expect(maxAbsDiff(cond.negative!.pooled, ref.float(c.tensors.negative_pooled_prompt_embeds!))).toBeLessThanOrEqual(TOL);
        if (c.negative_prompt === null) expect(cond.negative!.embeds.every((v) => v === 0)).toBe(true);
      } else {
        expect(cond.negative).toBeUndefined();
      }
    });
  }
});
