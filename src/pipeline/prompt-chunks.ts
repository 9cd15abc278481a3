// Weighted prompt → 77-token chunks per tokenizer: BOS + up to 75 tokens + EOS + padding, with a weight per token.
import { clipCleanText } from './clip-text-clean';
import type { BpeTokenizer } from './clip-tokens';
import type { ParsedPrompt } from './prompt-weights';

export interface TokenChunk {
  /** maxLength ids: BOS, body, EOS, padding. */
  ids: number[];
  /** One weight per id (1 for BOS, EOS and padding). */
  weights: number[];
  /** How many prompt tokens the chunk holds (≤ maxLength − 2). */
  tokens: number;
}

function closeChunk(tok: BpeTokenizer, body: { id: number; weight: number }[]): TokenChunk {
  const ids = [tok.bosId, ...body.map((b) => b.id), tok.eosId];
  const weights = [1, ...body.map((b) => b.weight), 1];
  while (ids.length < tok.maxLength) {
    ids.push(tok.padId);
    weights.push(1);
  }
  return { ids, weights, tokens: body.length };
}

/** An empty chunk, used to pad a prompt (or its negative) to the other's chunk count. */
export function emptyChunk(tok: BpeTokenizer): TokenChunk {
  return closeChunk(tok, []);
}

/** Splits the prompt every maxLength − 2 tokens and at every BREAK; an empty prompt is one empty chunk. */
export function chunkPrompt(tok: BpeTokenizer, parsed: ParsedPrompt): TokenChunk[] {
  const perChunk = tok.maxLength - 2;
  const chunks: TokenChunk[] = [];
  let current: { id: number; weight: number }[] = [];
  for (const seg of parsed) {
    if (seg === 'BREAK') {
      if (current.length > 0) chunks.push(closeChunk(tok, current));
      current = [];
      continue;
    }
    for (const id of tok.encodeBody(clipCleanText(seg.text))) {
      if (current.length === perChunk) {
        chunks.push(closeChunk(tok, current));
        current = [];
      }
      current.push({ id, weight: seg.weight });
    }
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(closeChunk(tok, current));
  return chunks;
}
