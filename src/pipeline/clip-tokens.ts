// Prompt → 77 CLIP token ids per encoder, as diffusers' encode_prompt gets them (BOS + ≤75 tokens + EOS + padding).
import { clipCleanText } from './clip-text-clean';

/** A BPE tokenizer that returns ids without special tokens; the runtime wraps transformers.js's CLIPTokenizer. */
export interface BpeTokenizer {
  encodeBody(text: string): number[];
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly maxLength: number;
}

/**
 * padding="max_length", truncation=True as in Python: the body is cut to maxLength − 2 so the EOS survives
 * (transformers.js's own truncation drops it).
 */
export function clipInputIds(tok: BpeTokenizer, prompt: string): number[] {
  const body = tok.encodeBody(clipCleanText(prompt)).slice(0, tok.maxLength - 2);
  const ids = [tok.bosId, ...body, tok.eosId];
  while (ids.length < tok.maxLength) ids.push(tok.padId);
  return ids;
}
