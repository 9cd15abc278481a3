// Weighted and long prompts through the fixture text encoders: chunks, shapes, emphasis, and exactness at weight 1.
import { describe, expect, it } from 'vitest';
import { encodeConditioning, encodePrompt, tokenizePrompt } from '../../src/pipeline/prompt-encoding';
import { generate as txt2img } from '../../src/pipeline/generate';
import { tinyModel } from './node-model';

const long = (n: number) => Array.from({ length: n }, (_, i) => ['red', 'green', 'blue', 'cat', 'dog'][i % 5]).join(' ');
const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe('weighted, chunked prompt encoding', () => {
  it('weight 1.0 everywhere equals the unweighted embedding exactly', async () => {
    const { components } = await tinyModel();
    const plain = await encodePrompt(components, 'a cat on a mat');
    const ones = await encodePrompt(components, '(a cat:1.0) on a (mat:1)');
    expect(Array.from(ones.embeds)).toEqual(Array.from(plain.embeds));
    expect(Array.from(ones.pooled)).toEqual(Array.from(plain.pooled));
  });

  it('a 200-token prompt gives 3 chunks: [1, 231, 64] embeddings, pooled from the first chunk', async () => {
    const { components } = await tinyModel();
    const prompt = long(200);
    const t = tokenizePrompt(components, prompt);
    expect(t.chunks1.map((c) => c.tokens)).toEqual([75, 75, 50]);
    expect(t.chunks1.every((c) => c.ids.length === 77 && c.ids[0] === 49406)).toBe(true);
    const cond = await encodeConditioning(components, { prompt, negative_prompt: 'blurry' }, true);
    expect(cond.positive.seqLen).toBe(231);
    expect(cond.positive.embeds.length).toBe(231 * 64);
    expect(cond.positive.pooled.length).toBe(32);
    // The one-chunk negative is padded to three chunks.
    expect(cond.negative!.seqLen).toBe(231);
    // The first chunk and the pooled output are what diffusers gets from the prompt truncated to 75 tokens.
    const first = await encodePrompt(components, long(75));
    expect(Array.from(cond.positive.embeds.subarray(0, 77 * 64))).toEqual(Array.from(first.embeds));
    expect(Array.from(cond.positive.pooled)).toEqual(Array.from(first.pooled));
  });

  it('pads the positive prompt when the negative one is longer, and zero negatives match the shape', async () => {
    const { components } = await tinyModel();
    const c = await encodeConditioning(components, { prompt: 'a cat', negative_prompt: long(100) }, true);
    expect(c.positive.seqLen).toBe(154);
    expect(c.negative!.seqLen).toBe(154);
    const z = await encodeConditioning(components, { prompt: long(100) }, true);
    expect(z.negative!.embeds.length).toBe(z.positive.embeds.length);
    expect(z.negative!.embeds.every((v) => v === 0)).toBe(true);
  });

  it('BREAK starts a new chunk', async () => {
    const { components } = await tinyModel();
    const t = tokenizePrompt(components, 'a red cat BREAK a blue dog');
    expect(t.chunks1.map((c) => c.tokens)).toEqual([3, 3]);
    expect((await encodePrompt(components, 'a red cat BREAK a blue dog')).seqLen).toBe(154);
  });

  it('weights change the embedding of the weighted tokens and keep each chunk’s mean', async () => {
    const { components } = await tinyModel();
    const plain = await encodePrompt(components, 'a red cat');
    const heavy = await encodePrompt(components, 'a (red:1.8) cat');
    expect(Array.from(heavy.embeds)).not.toEqual(Array.from(plain.embeds));
    // Emphasis is applied per encoder; the mean of each encoder's half is restored, so the whole mean is too.
    expect(mean(heavy.embeds)).toBeCloseTo(mean(plain.embeds), 5);
    // The pooled embedding is not weighted.
    expect(Array.from(heavy.pooled)).toEqual(Array.from(plain.pooled));
    const t = tokenizePrompt(components, 'a (red:1.8) cat');
    expect(t.chunks1[0]!.weights.slice(0, 5).map((w) => Number(w.toFixed(3)))).toEqual([1, 1, 1.8, 1, 1]);
  });

  it('the UNet takes the longer sequence: a 3-chunk prompt generates', async () => {
    const { components } = await tinyModel();
    const r = await txt2img(components, { prompt: long(200), negative_prompt: 'blurry', width: 64, height: 64, steps: 1, cfg_scale: 3, sampler: 'K_EULER', seed: 1, num_images: 1 }, { randomSeed: () => 0 });
    expect(r.images[0]!.finalLatents!.every(Number.isFinite)).toBe(true);
  });
});

describe('style presets', async () => {
  const { STYLE_PRESETS, STYLE_TEMPLATES, applyStyle } = await import('../../src/schema/style-presets');
  it('every preset name resolves to a template that keeps the prompt', () => {
    expect(STYLE_PRESETS.length).toBeGreaterThanOrEqual(60);
    for (const name of STYLE_PRESETS) {
      const t = STYLE_TEMPLATES[name];
      expect(t.prompt, name).toContain('{prompt}');
      const styled = applyStyle(name, 'a cat', 'blurry');
      expect(styled.prompt, name).toContain('a cat');
      expect(styled.negative, name).toMatch(/^blurry/);
    }
  });
  it('"base" changes nothing; a style adds its negative to an empty one', () => {
    expect(applyStyle('base', 'a cat', undefined)).toEqual({ prompt: 'a cat', negative: undefined });
    expect(applyStyle('watercolor', 'a cat', undefined)).toEqual({ prompt: 'watercolor painting of a cat, soft washes, paper texture, gentle color bleeds', negative: 'photo, hard edges, digital' });
  });
  it('the pipeline encodes the styled prompt', async () => {
    const { components } = await tinyModel();
    const req = { prompt: 'a cat', width: 64, height: 64, steps: 1, cfg_scale: 3, sampler: 'K_EULER' as const, seed: 3, num_images: 1 };
    const styled = await txt2img(components, { ...req, style_preset: 'watercolor' }, { randomSeed: () => 0 });
    const manual = await txt2img(components, { ...req, prompt: 'watercolor painting of a cat, soft washes, paper texture, gentle color bleeds', negative_prompt: 'photo, hard edges, digital' }, { randomSeed: () => 0 });
    expect(Array.from(styled.images[0]!.rgba)).toEqual(Array.from(manual.images[0]!.rgba));
  });
});

describe('prompt_2 with weights, long prompts and styles', async () => {
  const { encoderTexts } = await import('../../src/pipeline/prompt-texts');
  const { applyStyle } = await import('../../src/schema/style-presets');
  const WIDTH1 = 32; // the tiny text_encoder's hidden size: columns [0, 32) of each row are encoder 1's
  const half = (embeds: Float32Array, second: boolean) => embeds.filter((_, i) => (i % 64 >= WIDTH1) === second);

  it('a style wraps prompt and prompt_2 alike, and adds its negative to both negatives', () => {
    const s = (p: string, n?: string) => applyStyle('watercolor', p, n);
    expect(encoderTexts({ prompt: 'a cat', prompt_2: 'soft light', negative_prompt: 'blurry', negative_prompt_2: 'dark' }, 'watercolor')).toEqual({
      positive: { text1: s('a cat').prompt, text2: s('soft light').prompt },
      negative: { text1: s('', 'blurry').negative, text2: s('', 'dark').negative },
    });
    // Without prompt_2 both encoders read the styled prompt; a style's negative counts as a negative prompt.
    expect(encoderTexts({ prompt: 'a cat', negative_prompt_2: 'dark' }, 'watercolor')).toEqual({
      positive: { text1: s('a cat').prompt, text2: s('a cat').prompt },
      negative: { text1: s('').negative, text2: s('', 'dark').negative },
    });
    // A style without a negative leaves "no negative prompt" as it is: negative_prompt_2 alone is ignored.
    expect(encoderTexts({ prompt: 'a cat', negative_prompt_2: 'dark' }, 'base').negative).toBeUndefined();
    // A blank negative means none, unless negative_prompt_2 gives the second encoder something (as in diffusers).
    expect(encoderTexts({ prompt: 'a cat', negative_prompt: '' }).negative).toBeUndefined();
    expect(encoderTexts({ prompt: 'a cat', negative_prompt: '', negative_prompt_2: '' }).negative).toBeUndefined();
    expect(encoderTexts({ prompt: 'a cat', negative_prompt: '', negative_prompt_2: 'dark' }).negative).toEqual({ text1: '', text2: 'dark' });
  });

  it('the pipeline encodes the styled prompt_2 as those texts', async () => {
    const { components } = await tinyModel();
    const fields = { prompt: 'a cat', prompt_2: 'soft light', negative_prompt: 'blurry' };
    const styled = await encodeConditioning(components, fields, true, { stylePreset: 'watercolor' });
    const plan = encoderTexts(fields, 'watercolor');
    const manual = await encodeConditioning(components, {
      prompt: plan.positive.text1, prompt_2: plan.positive.text2, negative_prompt: plan.negative!.text1, negative_prompt_2: plan.negative!.text2,
    }, true);
    expect(Array.from(styled.positive.embeds)).toEqual(Array.from(manual.positive.embeds));
    expect(Array.from(styled.negative!.pooled)).toEqual(Array.from(manual.negative!.pooled));
  });

  it('weights in prompt_2 act on the second encoder only; the first keeps the plain prompt', async () => {
    const { components } = await tinyModel();
    const plain = await encodeConditioning(components, { prompt: 'a red cat', prompt_2: 'soft light' }, false);
    const weighted = await encodeConditioning(components, { prompt: 'a red cat', prompt_2: '(soft:1.6) light' }, false);
    expect(Array.from(half(weighted.positive.embeds, false))).toEqual(Array.from(half(plain.positive.embeds, false)));
    expect(Array.from(half(weighted.positive.embeds, true))).not.toEqual(Array.from(half(plain.positive.embeds, true)));
    expect(Array.from(weighted.positive.pooled)).toEqual(Array.from(plain.positive.pooled)); // pooled is never weighted
  });

  it('a long prompt_2 sets the chunk count; the pooled vector is text_encoder_2 on its first chunk', async () => {
    const { components } = await tinyModel();
    const cond = await encodeConditioning(components, { prompt: 'a cat', prompt_2: long(100), negative_prompt: 'blurry' }, true);
    expect(cond.positive.seqLen).toBe(154);
    expect(cond.negative!.seqLen).toBe(154);
    const first = await encodeConditioning(components, { prompt: 'a cat', prompt_2: long(75) }, false);
    expect(Array.from(cond.positive.pooled)).toEqual(Array.from(first.positive.pooled));
    expect(Array.from(cond.positive.embeds.subarray(0, 77 * 64))).toEqual(Array.from(first.positive.embeds));
    // The first encoder's second chunk is an empty one (padding), as for a short negative beside a long prompt.
    const empty = await encodeConditioning(components, { prompt: '' }, false);
    expect(Array.from(half(cond.positive.embeds.subarray(77 * 64), false))).toEqual(Array.from(half(empty.positive.embeds, false)));
  });
});
