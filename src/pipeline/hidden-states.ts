// Which `hidden_states.N` output a text encoder's prompt embedding comes from: diffusers' hidden_states[-(clip_skip + 2)].
import type { ModelRunner } from './runners';

/** The N of every `hidden_states.N` output (0 = the embedding layer's output, the last = after the final layer). */
function hiddenLayers(runner: ModelRunner): number[] {
  return runner.outputs
    .map((o) => /^hidden_states\.(\d+)$/.exec(o.name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

/** hidden_states[-(clipSkip + 2)]: with states 0…L exported, `hidden_states.(L − 1 − clipSkip)`; 0 = the penultimate. */
export function hiddenStateName(runner: ModelRunner, clipSkip = 0): string {
  const layers = hiddenLayers(runner);
  if (layers.length < 2) throw new Error('text encoder does not export hidden_states.N outputs (export with output_hidden_states)');
  const index = Math.max(...layers) - 1 - clipSkip;
  if (!layers.includes(index)) {
    throw new Error(`clip_skip ${clipSkip} needs hidden_states.${index}, which this text encoder does not export (at most ${maxClipSkip([runner])})`);
  }
  return `hidden_states.${index}`;
}

/** The largest clip_skip every encoder can serve: the count of exported states below the penultimate one, in a row. */
export function maxClipSkip(encoders: readonly ModelRunner[]): number {
  return Math.min(...encoders.map((runner) => {
    const layers = new Set(hiddenLayers(runner));
    if (layers.size < 2) return 0;
    let skip = 0;
    for (let i = Math.max(...layers) - 2; i >= 0 && layers.has(i); i--) skip++;
    return skip;
  }));
}
