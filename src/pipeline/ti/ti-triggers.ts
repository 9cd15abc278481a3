// Textual-inversion triggers in prompts: diffusers' maybe_convert_prompt (a trigger → one token per vector).

/** A trigger and how many vectors (tokens) its embedding has for one text encoder. */
export interface TiTrigger {
  trigger: string;
  vectors: number;
}

/** diffusers' token names for an embedding of n vectors: trigger, trigger_1, …, trigger_{n-1}. */
export function triggerTokens(trigger: string, vectors: number): string[] {
  return Array.from({ length: vectors }, (_, i) => (i === 0 ? trigger : `${trigger}_${i}`));
}

export const MAX_TRIGGER_LENGTH = 100;

/**
 * A trigger must be a visible word-like string: no whitespace (the tokenizer would split it, and its expansion is
 * space-separated), not empty, bounded.
 */
export function checkTrigger(trigger: string, name: string): string {
  if (trigger.length === 0) throw new Error(`textual inversion "${name}": the trigger is empty`);
  if (trigger.length > MAX_TRIGGER_LENGTH) throw new Error(`textual inversion "${name}": the trigger is longer than ${MAX_TRIGGER_LENGTH} characters`);
  if (/[\s\u0000-\u001f]/.test(trigger)) throw new Error(`textual inversion "${name}": the trigger ${JSON.stringify(trigger)} contains whitespace or control characters`);
  return trigger;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every occurrence of a trigger → "trigger trigger_1 … trigger_{n-1}", as Python's str.replace does it (left to right,
 * non-overlapping). All triggers are replaced in one pass, longest first where two start at the same place, so a
 * trigger inside another (or inside an expansion) is not expanded twice.
 */
export function expandTriggers(prompt: string, triggers: readonly TiTrigger[]): string {
  if (triggers.every((t) => t.vectors === 1)) return prompt;
  // Single-vector triggers take part too (as themselves): a longer trigger that contains a shorter one stays whole.
  const expansion = new Map(triggers.map((t) => [t.trigger, triggerTokens(t.trigger, t.vectors).join(' ')]));
  const alternatives = [...expansion.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return prompt.replace(new RegExp(alternatives.join('|'), 'g'), (m) => expansion.get(m)!);
}
