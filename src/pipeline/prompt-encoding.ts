// diffusers' SDXL encode_prompt, extended with weights and long prompts: each 77-token chunk goes through both
// encoders (penultimate hidden states, concatenated), weighted chunks get Automatic1111's "original" emphasis,
// chunks are concatenated along the sequence, and the pooled embedding is encoder 2's for the first chunk.
import type { BpeTokenizer } from './clip-tokens';
import { f32 } from './float32-math';
import { chunkPrompt, emptyChunk, type TokenChunk } from './prompt-chunks';
import { hasWeights, parsePromptWeights, type ParsedPrompt } from './prompt-weights';
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

/** Name of the penultimate `hidden_states.N` output (hidden_states[-2]). */
function penultimateHiddenName(runner: ModelRunner): string {
  const layers = runner.outputs
    .map((o) => /^hidden_states\.(\d+)$/.exec(o.name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  if (layers.length < 2) throw new Error('text encoder does not export hidden_states.N outputs (export with output_hidden_states)');
  return `hidden_states.${Math.max(...layers) - 1}`;
}

function pooledName(runner: ModelRunner): string {
  return runner.outputs.some((o) => o.name === 'text_embeds') ? 'text_embeds' : runner.outputs[0]!.name;
}

async function runEncoder(runner: ModelRunner, ids: number[], wantPooled: boolean) {
  const idsInfo = inputInfo(runner, 'input_ids');
  const idsType = idsInfo.type === 'int32' ? 'int32' : 'int64';
  const hiddenName = penultimateHiddenName(runner);
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

/** A prompt tokenized for both encoders, padded to the same number of chunks. */
export interface TokenizedPrompt {
  chunks1: TokenChunk[];
  chunks2: TokenChunk[];
  weighted: boolean;
}

export interface EncodeOptions {
  /** Interpret (word:1.5), [word], BREAK (default true). Off, prompts are encoded literally, as diffusers does. */
  weighting?: boolean;
}

export function tokenizePrompt(enc: TextEncoders, prompt: string, opts: EncodeOptions = {}): TokenizedPrompt {
  const parsed: ParsedPrompt = opts.weighting === false ? [{ text: prompt, weight: 1 }] : parsePromptWeights(prompt);
  return { chunks1: chunkPrompt(enc.tokenizer, parsed), chunks2: chunkPrompt(enc.tokenizer2, parsed), weighted: hasWeights(parsed) };
}

export const chunkCount = (t: TokenizedPrompt): number => Math.max(t.chunks1.length, t.chunks2.length);

export async function encodeTokenized(enc: TextEncoders, t: TokenizedPrompt, chunks = chunkCount(t)): Promise<PromptEmbeddings> {
  const pad = (list: TokenChunk[], tok: BpeTokenizer) => [...list, ...Array.from({ length: chunks - list.length }, () => emptyChunk(tok))];
  const c1 = pad(t.chunks1, enc.tokenizer);
  const c2 = pad(t.chunks2, enc.tokenizer2);
  const seqPerChunk = c1[0]!.ids.length;
  const parts: Float32Array[] = [];
  let pooled: Float32Array | undefined;
  let width = 0;
  for (let k = 0; k < chunks; k++) {
    const a = await runEncoder(enc.textEncoder, c1[k]!.ids, false);
    const b = await runEncoder(enc.textEncoder2, c2[k]!.ids, k === 0);
    if (k === 0) pooled = b.pooled;
    const h1 = t.weighted ? applyEmphasis(a.hidden, c1[k]!.weights, a.width) : a.hidden;
    const h2 = t.weighted ? applyEmphasis(b.hidden, c2[k]!.weights, b.width) : b.hidden;
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
  return encodeTokenized(enc, tokenizePrompt(enc, prompt, opts));
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

/** Positive and negative embeddings with the same number of chunks (the shorter one is padded with empty chunks). */
export async function encodeConditioning(
  enc: TextEncoders, prompt: string, negativePrompt: string | undefined, guidance: boolean, opts: EncodeOptions = {},
): Promise<Conditioning> {
  const pos = tokenizePrompt(enc, prompt, opts);
  const neg = guidance && negativePrompt ? tokenizePrompt(enc, negativePrompt, opts) : undefined;
  const chunks = Math.max(chunkCount(pos), neg ? chunkCount(neg) : 0);
  const positive = await encodeTokenized(enc, pos, chunks);
  if (!guidance) return { positive };
  return { positive, negative: neg ? await encodeTokenized(enc, neg, chunks) : zeroEmbeddings(positive) };
}
