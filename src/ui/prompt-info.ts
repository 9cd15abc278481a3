// Short texts under the prompt fields: how the prompt splits into 75-token chunks, what a style adds, and when
// negative_prompt_2 goes unused.
import { encoderTexts } from '../pipeline/prompt-texts';
import { STYLE_TEMPLATES, type StylePreset } from '../schema/style-presets';
import type { TokenCount } from '../worker/protocol';

export function describeTokens(c: TokenCount): string {
  const left = c.perChunk - c.lastChunk;
  const chunks = c.chunks === 1 ? '1 chunk' : `${c.chunks} chunks`;
  return `${c.tokens} tokens · ${chunks} of ${c.perChunk} · ${left} left in this chunk`;
}

export function describeStyle(name: string): string {
  const t = STYLE_TEMPLATES[name as StylePreset];
  if (!t || name === 'base') return '';
  return `Prompt becomes: “${t.prompt.replace('{prompt}', '…')}”${t.negative ? ` · adds negative: “${t.negative}”` : ''}`;
}

/** diffusers ignores negative_prompt_2 when there is no negative prompt (a style's negative counts as one). */
export function describeNegative2(draft: Record<string, unknown>): string {
  const text = (k: string) => (typeof draft[k] === 'string' ? (draft[k] as string) : undefined);
  const negative2 = text('negative_prompt_2');
  if (!negative2) return '';
  const style = (STYLE_TEMPLATES[draft.style_preset as StylePreset] ? draft.style_preset : 'base') as StylePreset;
  const plan = encoderTexts({ prompt: '', negative_prompt: text('negative_prompt'), negative_prompt_2: negative2 }, style);
  return plan.negative ? '' : 'Unused: without a negative prompt the negatives are zeros (as in diffusers).';
}
