// diffusers' SDXL encode_prompt, extended with weights and long prompts: each 77-token chunk goes through both
// encoders (hidden_states[-(clip_skip + 2)], concatenated; each encoder reads its own text), weighted chunks get
// Automatic1111's "original" emphasis, chunks are concatenated along the sequence, and the pooled embedding is
// encoder 2's for the first chunk.
import type { StylePreset } from '../schema/style-presets';
import type { BpeTokenizer } from './clip-tokens';
import { f32 } from './float32-math';
import { hiddenStateName } from './hidden-states';
import { chunkPrompt, emptyChunk, type TokenChunk } from './prompt-chunks';
import { encoderTexts, type PromptFields } from './prompt-texts';
import { hasWeights, parsePromptWeights } from './prompt-weights';
import { inputInfo, type ModelRunner } from './runners';
import { intTensor } from './tensor';

export interface PromptEmbeddings {
  /** [1, 77·chunks, d1 + d2] */
  embeds: Float32Array;
  /** [1, pooledDim] */
  pooled: Float32Array;
  seqLen: number;
}

export interface TextEncoders {
  tokenizer: BpeTokenizer;
  tokenizer2: BpeTokenizer;
  textEncoder: ModelRunner;
  textEncoder2: ModelRunner;
}

function pooledName(runner: ModelRunner): string {
  return runner.outputs.some((o) => o.name === 'text_embeds') ? 'text_embeds' : runner.outputs[0]!.name;
}

/** One 77-token chunk through one encoder: its hidden_states[-(clipSkip + 2)] rows and, when asked, its pooled output. */
export async function runEncoder(runner: ModelRunner, ids: number[], wantPooled: boolean, clipSkip: number) {
  const idsInfo = inputInfo(runner, 'input_ids');
  const idsType = idsInfo.type === 'int32' ? 'int32' : 'int64';
  const hiddenName = hiddenStateName(runner, clipSkip);
  const names = wantPooled ? [hiddenName, pooledName(runner)] : [hiddenName];
  const out = await runner.run({ input_ids: intTensor(ids, [1, ids.length], idsType) }, names);
  const hidden = out[hiddenName]!;
  return {
    hidden: hidden.data as Float32Array,
    width: hidden.dims[2]!,
    pooled: wantPooled ? (out[names[1]!]!.data as Float32Array) : undefined,
  };
}

/** Automatic1111's "original" emphasis: scale each token's row by its weight, then restore the chunk's mean. */
export function applyEmphasis(hidden: Float32Array, weights: readonly number[], width: number): Float32Array {
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const before = mean(hidden);
  const scaled = hidden.map((v, i) => f32(v * weights[Math.floor(i / width)]!));
  const after = mean(scaled);
  const ratio = after === 0 ? 1 : f32(before / after);
  return scaled.map((v) => f32(v * ratio));
}

/** A prompt tokenized for both encoders (each its own text), padded to the same number of chunks. */
export interface TokenizedPrompt {
  chunks1: TokenChunk[];
  chunks2: TokenChunk[];
  /** Whether encoder 1's / encoder 2's text carries weights. */
  weighted1: boolean;
  weighted2: boolean;
}

export interface EncodeOptions {
  /** Interpret (word:1.5), [word], BREAK (default true). Off, prompts are encoded literally, as diffusers does. */
  weighting?: boolean;
  /** diffusers' clip_skip for the prompt: hidden_states[-(clip_skip + 2)] of both encoders (0 = -2); negatives keep -2. */
  clipSkip?: number;
  /** Wraps prompt and prompt_2, and adds to both negatives (default "base": none). */
  stylePreset?: StylePreset;
}

/** Tokenizes `prompt` for text_encoder and `prompt2` (default: the same text) for text_encoder_2. */
export function tokenizePrompt(enc: TextEncoders, prompt: string, opts: EncodeOptions = {}, prompt2 = prompt): TokenizedPrompt {
  const parse = (text: string) => (opts.weighting === false ? [{ text, weight: 1 }] : parsePromptWeights(text));
  const parsed1 = parse(prompt);
  const parsed2 = prompt2 === prompt ? parsed1 : parse(prompt2);
  return {
    chunks1: chunkPrompt(enc.tokenizer, parsed1),
    chunks2: chunkPrompt(enc.tokenizer2, parsed2),
    weighted1: hasWeights(parsed1),
    weighted2: hasWeights(parsed2),
  };
}

export const chunkCount = (t: TokenizedPrompt): number => Math.max(t.chunks1.length, t.chunks2.length);

export async function encodeTokenized(enc: TextEncoders, t: TokenizedPrompt, chunks = chunkCount(t), clipSkip = 0): Promise<PromptEmbeddings> {
  const pad = (list: TokenChunk[], tok: BpeTokenizer) => [...list, ...Array.from({ length: chunks - list.length }, () => emptyChunk(tok))];
  const c1 = pad(t.chunks1, enc.tokenizer);
  const c2 = pad(t.chunks2, enc.tokenizer2);
  const seqPerChunk = c1[0]!.ids.length;
  const parts: Float32Array[] = [];
  let pooled: Float32Array | undefined;
  let width = 0;
  for (let k = 0; k < chunks; k++) {
    const a = await runEncoder(enc.textEncoder, c1[k]!.ids, false, clipSkip);
    const b = await runEncoder(enc.textEncoder2, c2[k]!.ids, k === 0, clipSkip);
    if (k === 0) pooled = b.pooled;
    const h1 = t.weighted1 ? applyEmphasis(a.hidden, c1[k]!.weights, a.width) : a.hidden;
    const h2 = t.weighted2 ? applyEmphasis(b.hidden, c2[k]!.weights, b.width) : b.hidden;
    width = a.width + b.width;
    const rows = new Float32Array(seqPerChunk * width);
    for (let s = 0; s < seqPerChunk; s++) {
      rows.set(h1.subarray(s * a.width, (s + 1) * a.width), s * width);
      rows.set(h2.subarray(s * b.width, (s + 1) * b.width), s * width + a.width);
    }
    parts.push(rows);
  }
  const embeds = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.forEach((p, k) => embeds.set(p, k * p.length));
  return { embeds, pooled: pooled!, seqLen: seqPerChunk * chunks };
}

export async function encodePrompt(enc: TextEncoders, prompt: string, opts: EncodeOptions = {}): Promise<PromptEmbeddings> {
  return encodeTokenized(enc, tokenizePrompt(enc, prompt, opts), undefined, opts.clipSkip);
}

/** force_zeros_for_empty_prompt: a missing (or empty) negative prompt is all zeros. */
export function zeroEmbeddings(like: PromptEmbeddings): PromptEmbeddings {
  return { embeds: new Float32Array(like.embeds.length), pooled: new Float32Array(like.pooled.length), seqLen: like.seqLen };
}

export interface Conditioning {
  positive: PromptEmbeddings;
  /** Absent when classifier-free guidance is off (cfg_scale ≤ 1). */
  negative?: PromptEmbeddings;
}

/**
 * Positive and negative embeddings with the same number of chunks (the shorter one is padded with empty chunks); which
 * text each encoder reads follows `encoderTexts` (prompt_2, negative_prompt_2, the style).
 */
export async function encodeConditioning(
  enc: TextEncoders, fields: PromptFields, guidance: boolean, opts: EncodeOptions = {},
): Promise<Conditioning> {
  const plan = encoderTexts(fields, opts.stylePreset);
  const pos = tokenizePrompt(enc, plan.positive.text1, opts, plan.positive.text2);
  const neg = guidance && plan.negative ? tokenizePrompt(enc, plan.negative.text1, opts, plan.negative.text2) : undefined;
  const chunks = Math.max(chunkCount(pos), neg ? chunkCount(neg) : 0);
  const positive = await encodeTokenized(enc, pos, chunks, opts.clipSkip);
  if (!guidance) return { positive };
  return { positive, negative: neg ? await encodeTokenized(enc, neg, chunks) : zeroEmbeddings(positive) };
}
