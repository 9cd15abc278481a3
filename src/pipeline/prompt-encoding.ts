// diffusers' SDXL encode_prompt: both encoders' penultimate hidden states concatenated, pooled output of encoder 2.
import { clipInputIds, type BpeTokenizer } from './clip-tokens';
import { inputInfo, type ModelRunner } from './runners';
import { intTensor } from './tensor';

export interface PromptEmbeddings {
  /** [1, 77, d1 + d2] */
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

export async function encodePrompt(enc: TextEncoders, prompt: string): Promise<PromptEmbeddings> {
  const ids1 = clipInputIds(enc.tokenizer, prompt);
  const ids2 = clipInputIds(enc.tokenizer2, prompt);
  const a = await runEncoder(enc.textEncoder, ids1, false);
  const b = await runEncoder(enc.textEncoder2, ids2, true);
  const seqLen = ids1.length;
  const embeds = new Float32Array(seqLen * (a.width + b.width));
  for (let s = 0; s < seqLen; s++) {
    embeds.set(a.hidden.subarray(s * a.width, (s + 1) * a.width), s * (a.width + b.width));
    embeds.set(b.hidden.subarray(s * b.width, (s + 1) * b.width), s * (a.width + b.width) + a.width);
  }
  return { embeds, pooled: b.pooled!, seqLen };
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

export async function encodeConditioning(
  enc: TextEncoders, prompt: string, negativePrompt: string | undefined, guidance: boolean,
): Promise<Conditioning> {
  const positive = await encodePrompt(enc, prompt);
  if (!guidance) return { positive };
  const negative = negativePrompt ? await encodePrompt(enc, negativePrompt) : zeroEmbeddings(positive);
  return { positive, negative };
}
