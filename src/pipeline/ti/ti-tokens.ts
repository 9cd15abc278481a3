// Textual-inversion tokens for a CLIP tokenizer: added to tokenizer.json after the vocabulary, triggers expanded on encode.
import type { BpeTokenizer } from '../clip-tokens';
import { expandTriggers, triggerTokens, type TiTrigger } from './ti-triggers';

interface TokenizerJson {
  added_tokens?: { id: number; content: string }[];
  model: { vocab: Record<string, number> };
}

/**
 * tokenizer.json with `tokens` appended as added tokens (normalized, not special), with ids from the first free id
 * after the vocabulary and the existing added tokens (49408 for CLIP), in order. Refuses a token the tokenizer already
 * has, as diffusers' load_textual_inversion does.
 */
export function withAddedTokens<T extends TokenizerJson>(json: T, tokens: readonly string[]): { json: T; ids: number[] } {
  const added = json.added_tokens ?? [];
  const known = new Set([...Object.keys(json.model.vocab), ...added.map((t) => t.content)]);
  // A loop, not Math.max(...ids): a spread of 500 000 vocabulary ids would overflow the stack.
  let next = 0;
  for (const id of Object.values(json.model.vocab)) next = Math.max(next, id + 1);
  for (const t of added) next = Math.max(next, t.id + 1);
  const extra = tokens.map((content) => {
    if (known.has(content)) throw new Error(`textual inversion token ${JSON.stringify(content)} is already in the tokenizer's vocabulary; choose another trigger`);
    known.add(content);
    return { id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: false };
  });
  return { json: { ...json, added_tokens: [...added, ...extra] }, ids: extra.map((t) => t.id) };
}

/** Every token name the triggers need, in order (trigger, trigger_1, … per embedding). */
export const allTriggerTokens = (triggers: readonly TiTrigger[]): string[] => triggers.flatMap((t) => triggerTokens(t.trigger, t.vectors));

/**
 * A tokenizer (one that knows the triggers' tokens) that expands triggers in every text it encodes: the prompt, the
 * negatives, each weighted segment (so `(<trigger>:1.2)` weights all its tokens) and long prompts before they are chunked.
 */
export function withTriggers(tok: BpeTokenizer, triggers: readonly TiTrigger[]): BpeTokenizer {
  return {
    bosId: tok.bosId,
    eosId: tok.eosId,
    padId: tok.padId,
    maxLength: tok.maxLength,
    encodeBody: (text) => tok.encodeBody(expandTriggers(text, triggers)),
  };
}
