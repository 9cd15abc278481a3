// Prompt weighting syntax (OctoAI / Automatic1111): (text) ×1.1, [text] ÷1.1, (text:1.5), nesting multiplies,
// \( \) \[ \] are literal brackets, unbalanced brackets close at the end, and BREAK starts a new 75-token chunk.

export interface WeightedSegment {
  text: string;
  weight: number;
}

/** A parsed prompt: segments of text with a weight, and the positions where BREAK forces a new chunk. */
export type ParsedPrompt = (WeightedSegment | 'BREAK')[];

const UP = 1.1;
const DOWN = 1 / 1.1;

/** Lexes the prompt into escapes, brackets, ":number)" closers, BREAK markers and plain text. */
const TOKEN = /\\[()[\]\\]|\\|\(|\[|:\s*([+-]?(?:\d+\.?\d*|\.\d+))\s*\)|\)|\]|\s*\bBREAK\b\s*|[^\\()[\]:B]+|B|:/g;

export function parsePromptWeights(prompt: string): ParsedPrompt {
  const out: { text: string; weight: number; isBreak?: boolean }[] = [];
  const round: number[] = [];
  const square: number[] = [];
  const scale = (from: number, by: number) => {
    for (let i = from; i < out.length; i++) if (!out[i]!.isBreak) out[i]!.weight *= by;
  };
  for (const m of prompt.matchAll(TOKEN)) {
    const tok = m[0];
    const explicit = m[1];
    if (tok.startsWith('\\') && tok.length === 2) out.push({ text: tok[1]!, weight: 1 });
    else if (tok === '(') round.push(out.length);
    else if (tok === '[') square.push(out.length);
    else if (explicit !== undefined && round.length > 0) scale(round.pop()!, Number(explicit));
    else if (tok === ')' && round.length > 0) scale(round.pop()!, UP);
    else if (tok === ']' && square.length > 0) scale(square.pop()!, DOWN);
    else if (/^\s*BREAK\s*$/.test(tok)) {
      const prev = out[out.length - 1];
      if (prev && !prev.isBreak) prev.text = prev.text.trimEnd();
      out.push({ text: '', weight: -1, isBreak: true });
    }
    else out.push({ text: tok, weight: 1 });
  }
  // Brackets left open apply to everything after them.
  for (const pos of round) scale(pos, UP);
  for (const pos of square) scale(pos, DOWN);

  // Merge neighbours of equal weight so each run of text is tokenized once.
  const merged: ParsedPrompt = [];
  for (const seg of out) {
    if (seg.isBreak) {
      merged.push('BREAK');
      continue;
    }
    const last = merged[merged.length - 1];
    if (last && last !== 'BREAK' && last.weight === seg.weight) last.text += seg.text;
    else merged.push({ text: seg.text, weight: seg.weight });
  }
  return merged.length > 0 ? merged : [{ text: '', weight: 1 }];
}

/** Whether any part of the prompt carries a weight other than 1 (plain prompts skip emphasis entirely). */
export function hasWeights(parsed: ParsedPrompt): boolean {
  return parsed.some((s) => s !== 'BREAK' && s.weight !== 1);
}
