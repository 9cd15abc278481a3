// The SDXL refiner's conditioning, as diffusers' StableDiffusionXLImg2ImgPipeline builds it without text_encoder:
// text_encoder_2 alone reads `prompt` (its hidden_states[-2] and text_embeds), and 5 time ids carry the aesthetic score.
import { chunkPrompt, emptyChunk, type TokenChunk } from './prompt-chunks';
import { applyEmphasis, runEncoder, type EncodeOptions, type TextEncoders } from './prompt-encoding';
import { encoderTexts, type PromptFields } from './prompt-texts';
import { hasWeights, parsePromptWeights } from './prompt-weights';
import { concatBatch, floatTensor } from './tensor';
import type { UnetConditioning } from './unet-call';

export interface RefinerTextOptions {
  aestheticScore: number;
  negativeAestheticScore: number;
  /** The refiner's model_index.json: a missing negative is zeros (true) or encode("") (false, the SDXL refiner's value). */
  forceZerosForEmptyPrompt: boolean;
}

interface Tokenized { chunks: TokenChunk[]; weighted: boolean }

/**
 * encode_prompt with tokenizers = [tokenizer_2]: zip(prompts, tokenizers, text_encoders) stops after the first pair, so
 * text_encoder_2 reads `prompt` (and `negative_prompt`), not prompt_2. Weighting, long prompts and clip_skip (positive
 * only, as diffusers) follow the base's encoding; positive and negative are padded to the same chunk count.
 */
export async function encodeRefinerConditioning(
  enc: Pick<TextEncoders, 'tokenizer2' | 'textEncoder2'>, fields: PromptFields, guidance: boolean, opts: EncodeOptions, r: RefinerTextOptions,
  height: number, width: number,
): Promise<UnetConditioning> {
  const plan = encoderTexts(fields, opts.stylePreset);
  const tokenize = (text: string): Tokenized => {
    const parsed = opts.weighting === false ? [{ text, weight: 1 }] : parsePromptWeights(text);
    return { chunks: chunkPrompt(enc.tokenizer2, parsed), weighted: hasWeights(parsed) };
  };
  const pos = tokenize(plan.positive.text1);
  const negText = plan.negative?.text1 ?? (r.forceZerosForEmptyPrompt ? undefined : '');
  const neg = guidance && negText !== undefined ? tokenize(negText) : undefined;
  const chunks = Math.max(pos.chunks.length, neg?.chunks.length ?? 0);
  const positive = await encodeChunks(enc, pos, chunks, opts.clipSkip ?? 0);
  const rows = [positive];
  if (guidance) rows.unshift(neg ? await encodeChunks(enc, neg, chunks, 0) : { embeds: new Float32Array(positive.embeds.length), pooled: new Float32Array(positive.pooled.length), width: positive.width });
  const batch = rows.length;
  const timeIds = new Float32Array(5 * batch);
  const scores = guidance ? [r.negativeAestheticScore, r.aestheticScore] : [r.aestheticScore];
  scores.forEach((score, b) => timeIds.set([height, width, 0, 0, score], b * 5));
  const seqLen = positive.embeds.length / positive.width;
  return {
    batch,
    encoderHiddenStates: floatTensor(concatBatch(rows.map((p) => p.embeds)), [batch, seqLen, positive.width]),
    textEmbeds: floatTensor(concatBatch(rows.map((p) => p.pooled)), [batch, positive.pooled.length]),
    timeIds: floatTensor(timeIds, [batch, 5]),
  };
}

/** Each chunk through text_encoder_2, emphasis applied when weighted, concatenated along the sequence; pooled of the first. */
async function encodeChunks(enc: Pick<TextEncoders, 'tokenizer2' | 'textEncoder2'>, t: Tokenized, chunks: number, clipSkip: number) {
  const list = [...t.chunks, ...Array.from({ length: chunks - t.chunks.length }, () => emptyChunk(enc.tokenizer2))];
  const parts: Float32Array[] = [];
  let pooled: Float32Array | undefined;
  let width = 0;
  for (const [k, chunk] of list.entries()) {
    const out = await runEncoder(enc.textEncoder2, chunk.ids, k === 0, clipSkip);
    if (k === 0) pooled = out.pooled;
    width = out.width;
    parts.push(t.weighted ? applyEmphasis(out.hidden, chunk.weights, out.width) : out.hidden);
  }
  return { embeds: concatBatch(parts), pooled: pooled!, width };
}
