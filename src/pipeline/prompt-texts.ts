// What each text encoder reads, from the request's four prompt fields: the style preset applied to the prompts and the
// negatives, then diffusers' prompt_2 / negative_prompt_2 rules, with this project's "an empty negative means none".
import { applyStyle, type StylePreset } from '../schema/style-presets';

export interface PromptFields {
  prompt: string;
  /** text_encoder_2's own prompt; absent or "" = prompt. */
  prompt_2?: string;
  negative_prompt?: string;
  /** text_encoder_2's own negative; absent or "" = negative_prompt; ignored when there is no negative_prompt. */
  negative_prompt_2?: string;
}

/** The text for text_encoder (CLIP ViT-L) and the one for text_encoder_2 (OpenCLIP bigG, which also gives the pooled vector). */
export interface EncoderTexts {
  text1: string;
  text2: string;
}

export interface EncoderPlan {
  positive: EncoderTexts;
  /** Absent: zero negative embeddings (force_zeros_for_empty_prompt). */
  negative?: EncoderTexts;
}

/**
 * diffusers' encode_prompt: prompt_2 = prompt_2 or prompt; negatives are zeros when negative_prompt is None, whatever
 * negative_prompt_2 says; else negative_prompt_2 = negative_prompt_2 or negative_prompt. This project also treats an
 * empty (or blank) negative_prompt as none, except beside a negative_prompt_2: then, as in diffusers, text_encoder reads
 * the empty negative and text_encoder_2 reads negative_prompt_2. A style wraps prompt and prompt_2 alike and adds its
 * negative to both negatives; a style's negative counts as a negative prompt.
 */
export function encoderTexts(fields: PromptFields, preset: StylePreset = 'base'): EncoderPlan {
  const style = (prompt: string, negative?: string) => applyStyle(preset, prompt, negative);
  const text1 = style(fields.prompt).prompt;
  const positive = { text1, text2: fields.prompt_2 ? style(fields.prompt_2).prompt : text1 };
  const negative = style('', fields.negative_prompt).negative;
  const negative2 = fields.negative_prompt_2 ? style('', fields.negative_prompt_2).negative : undefined;
  if (negative !== undefined) return { positive, negative: { text1: negative, text2: negative2 ?? negative } };
  if (fields.negative_prompt !== undefined && negative2 !== undefined) {
    return { positive, negative: { text1: fields.negative_prompt, text2: negative2 } };
  }
  return { positive };
}
