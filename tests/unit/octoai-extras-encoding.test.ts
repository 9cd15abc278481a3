// prompt_2, negative_prompt_2 and clip_skip at the text encoders, against diffusers' recorded encoder calls
// (extras/prompt2 and extras/clip_skip: the pipeline cases and the encode_only edge cases).
import { describe, expect, it } from 'vitest';
import { hiddenStateName, maxClipSkip } from '../../src/pipeline/hidden-states';
import { encodeConditioning, tokenizePrompt } from '../../src/pipeline/prompt-encoding';
import { encoderTexts, type PromptFields } from '../../src/pipeline/prompt-texts';
import { nodeEngine, tinyModel } from './node-model';
import { EXTRAS, loadReference, maxAbsDiff, modelDir, type ReferenceGroup } from './reference';

interface EncoderCall {
  role: 'prompt' | 'negative_prompt'; encoder: 'text_encoder' | 'text_encoder_2'; text: string; input_ids: string;
  selected_hidden_state: { python_index: number; onnx_output: string }; selected: string; text_embeds?: string;
}
interface Kwargs { prompt: string; prompt_2?: string | null; negative_prompt?: string | null; negative_prompt_2?: string | null; clip_skip?: number | null }
interface EncodeOnly {
  name: string; kwargs: Kwargs; do_classifier_free_guidance: boolean; error?: string; negative_embeddings_are_zeros?: boolean;
  text_encoder_calls?: EncoderCall[]; tensors?: Record<string, string>;
}
interface PipelineCase extends Kwargs {
  name: string; do_classifier_free_guidance: boolean; negative_embeddings_are_zeros: boolean; text_encoder_calls: EncoderCall[];
  encode_prompt: Record<string, string>; unet_calls: { encoder_hidden_states: string }[];
}
type Group = ReferenceGroup<{ cases: PipelineCase[]; encode_only: EncodeOnly[] }>;

const groups: [string, Group][] = ['prompt2', 'clip_skip'].map((g) => [g, loadReference(g, EXTRAS)]);
const TOL = 1e-5; // measured ≤ 1.1e-6 (the fixture's verification with onnxruntime-web wasm)
const SEQ = 77;

/** The request fields of a diffusers call (None → absent). */
const fieldsOf = (k: Kwargs): PromptFields & { clip_skip?: number } => ({
  prompt: k.prompt, prompt_2: k.prompt_2 ?? undefined, negative_prompt: k.negative_prompt ?? undefined,
  negative_prompt_2: k.negative_prompt_2 ?? undefined, clip_skip: k.clip_skip ?? undefined,
});

/** cat([a, b], -1) of two [1, 77, w] tensors. */
function catLastDim(a: Float32Array, b: Float32Array): Float32Array {
  const wa = a.length / SEQ;
  const wb = b.length / SEQ;
  const out = new Float32Array(a.length + b.length);
  for (let s = 0; s < SEQ; s++) {
    out.set(a.subarray(s * wa, (s + 1) * wa), s * (wa + wb));
    out.set(b.subarray(s * wb, (s + 1) * wb), s * (wa + wb) + wa);
  }
  return out;
}

interface EncodingCase { name: string; kwargs: Kwargs; cfg: boolean; zeros: boolean; calls: EncoderCall[]; pooled: string; negativePooled: string; unetCond?: string }
function encodingCases(g: Group): EncodingCase[] {
  const fromPipeline = g.index.cases.map((c) => ({
    name: c.name, kwargs: c, cfg: c.do_classifier_free_guidance, zeros: c.negative_embeddings_are_zeros, calls: c.text_encoder_calls,
    pooled: c.encode_prompt.pooled_prompt_embeds!, negativePooled: c.encode_prompt.negative_pooled_prompt_embeds!,
    unetCond: c.unet_calls[0]!.encoder_hidden_states,
  }));
  const fromEncodeOnly = g.index.encode_only.filter((e) => !e.error).map((e) => ({
    name: e.name, kwargs: e.kwargs, cfg: e.do_classifier_free_guidance, zeros: e.negative_embeddings_are_zeros!, calls: e.text_encoder_calls!,
    pooled: e.tensors!.pooled_prompt_embeds!, negativePooled: e.tensors!.negative_pooled_prompt_embeds!,
  }));
  return [...fromPipeline, ...fromEncodeOnly];
}

describe('which text and which hidden state each encoder gets (prompt_2, negative_prompt_2, clip_skip)', () => {
  for (const [group, ref] of groups) {
    for (const c of encodingCases(ref)) {
      it(`${group}/${c.name}: the texts, token ids and hidden-state outputs diffusers used`, async () => {
        const { components } = await tinyModel();
        const fields = fieldsOf(c.kwargs);
        const plan = encoderTexts(fields);
        expect(plan.negative === undefined, 'zero negatives').toBe(c.zeros);
        for (const call of c.calls) {
          const texts = call.role === 'prompt' ? plan.positive : plan.negative!;
          const first = call.encoder === 'text_encoder';
          expect(first ? texts.text1 : texts.text2, `${call.role} ${call.encoder} text`).toBe(call.text);
          const t = tokenizePrompt(components, call.text, { weighting: false });
          expect((first ? t.chunks1 : t.chunks2)[0]!.ids, `${call.role} ${call.encoder} ids`).toEqual(ref.ints(call.input_ids));
          const runner = first ? components.textEncoder : components.textEncoder2;
          const skip = call.role === 'prompt' ? fields.clip_skip : 0; // the negative always takes hidden_states[-2]
          expect(hiddenStateName(runner, skip), `${call.role} ${call.encoder} output`).toBe(call.selected_hidden_state.onnx_output);
        }
      });

      it(`${group}/${c.name}: encode_prompt's embeddings and pooled vectors`, async () => {
        const { components } = await tinyModel();
        const fields = fieldsOf(c.kwargs);
        const cond = await encodeConditioning(components, fields, c.cfg, { weighting: false, clipSkip: fields.clip_skip });
        const selected = (role: EncoderCall['role'], encoder: EncoderCall['encoder']) =>
          ref.float(c.calls.find((k) => k.role === role && k.encoder === encoder)!.selected);
        const prompt = catLastDim(selected('prompt', 'text_encoder'), selected('prompt', 'text_encoder_2'));
        expect(maxAbsDiff(cond.positive.embeds, prompt), 'prompt_embeds').toBeLessThanOrEqual(TOL);
        expect(maxAbsDiff(cond.positive.pooled, ref.float(c.pooled)), 'pooled (text_encoder_2 of prompt_2)').toBeLessThanOrEqual(TOL);
        expect(maxAbsDiff(cond.negative!.pooled, ref.float(c.negativePooled)), 'negative pooled').toBeLessThanOrEqual(TOL);
        const negative = c.zeros
          ? new Float32Array(prompt.length)
          : catLastDim(selected('negative_prompt', 'text_encoder'), selected('negative_prompt', 'text_encoder_2'));
        expect(maxAbsDiff(cond.negative!.embeds, negative), 'negative_prompt_embeds').toBeLessThanOrEqual(TOL);
        if (c.zeros) expect(cond.negative!.embeds.every((v) => v === 0)).toBe(true);
        if (c.unetCond) {
          // The UNet's conditioning is cat([negative, prompt]) along the batch.
          const unet = ref.float(c.unetCond);
          expect(maxAbsDiff(unet.subarray(0, prompt.length), cond.negative!.embeds), 'UNet batch 0').toBeLessThanOrEqual(TOL);
          expect(maxAbsDiff(unet.subarray(prompt.length), cond.positive.embeds), 'UNet batch 1').toBeLessThanOrEqual(TOL);
        }
      });
    }
  }
});

describe('clip_skip limits', () => {
  const clipSkip = groups.find(([g]) => g === 'clip_skip')![1].index.encode_only;
  const largestOk = Math.max(...clipSkip.filter((e) => !e.error).map((e) => e.kwargs.clip_skip ?? 0));
  const firstError = clipSkip.find((e) => e.error)!;

  it(`the tiny model allows clip_skip up to ${largestOk}; diffusers fails at ${firstError.kwargs.clip_skip}`, async () => {
    expect(firstError.error).toMatch(/IndexError/);
    expect(firstError.kwargs.clip_skip).toBe(largestOk + 1);
    const { components, info } = await tinyModel();
    expect(maxClipSkip([components.textEncoder, components.textEncoder2])).toBe(largestOk);
    expect(info.maxClipSkip).toBe(largestOk);
    expect(() => hiddenStateName(components.textEncoder, largestOk + 1)).toThrow(/clip_skip/);
  });

  it('a clip_skip past the model is a 422-style field error naming clip_skip and the limit, not a crash', async () => {
    const engine = nodeEngine();
    await engine.loadModel(modelDir);
    const r = await engine.generate('cs', { prompt: 'a castle', clip_skip: firstError.kwargs.clip_skip!, steps: 1, cfg_scale: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_request');
    expect(r.error.detail).toEqual([{ loc: ['body', 'clip_skip'], msg: expect.stringContaining(`≤ ${largestOk}`), type: 'less_than_equal' }]);
    const ok = await engine.generate('cs-ok', { prompt: 'a castle', clip_skip: largestOk, steps: 1, cfg_scale: 1 });
    expect(ok.ok).toBe(true);
  });
});
