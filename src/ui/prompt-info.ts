// Short texts under the prompt fields: how the prompt splits into 75-token chunks, and what a style adds.
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
