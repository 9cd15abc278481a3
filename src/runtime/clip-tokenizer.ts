// The CLIP BPE tokenizer from @huggingface/transformers, behind the pipeline's BpeTokenizer interface.
import { CLIPTokenizer } from '@huggingface/transformers';
import type { BpeTokenizer } from '../pipeline/clip-tokens';

interface TokenizerConfig {
  model_max_length?: number;
  pad_token?: string | { content: string };
}

export function createClipTokenizer(tokenizerJson: object, config: TokenizerConfig): BpeTokenizer {
  const tok = new CLIPTokenizer(tokenizerJson, config);
  const idOf = (token: string): number => {
    const ids = tok.encode(token, { add_special_tokens: false });
    if (ids.length !== 1) throw new Error(`tokenizer: "${token}" is not a single token`);
    return ids[0]!;
  };
  const padToken = typeof config.pad_token === 'string' ? config.pad_token : config.pad_token?.content ?? '<|endoftext|>';
  const maxLength = Math.min(config.model_max_length ?? 77, 77);
  return {
    bosId: idOf('<|startoftext|>'),
    eosId: idOf('<|endoftext|>'),
    padId: idOf(padToken),
    maxLength,
    encodeBody: (text) => tok.encode(text, { add_special_tokens: false }),
  };
}
