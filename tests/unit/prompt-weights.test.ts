// The weighting parser: nested, escaped, unbalanced, numeric and BREAK cases.
import { describe, expect, it } from 'vitest';
import { parsePromptWeights } from '../../src/pipeline/prompt-weights';

const p = (s: string) => parsePromptWeights(s).map((x) => (x === 'BREAK' ? 'BREAK' : [x.text, Number(x.weight.toFixed(6))]));

describe('parsePromptWeights', () => {
  it('leaves a plain prompt as one segment of weight 1', () => {
    expect(p('a cat wearing a hat')).toEqual([['a cat wearing a hat', 1]]);
    expect(p('')).toEqual([['', 1]]);
  });

  it('multiplies nested weights (OctoAI example)', () => {
    expect(p('(A tall (beautiful:1.5) woman:1.0)')).toEqual([['A tall ', 1], ['beautiful', 1.5], [' woman', 1]]);
    expect(p('((cat))')).toEqual([['cat', 1.21]]);
    expect(p('a (b:2) c')).toEqual([['a ', 1], ['b', 2], [' c', 1]]);
    expect(p('(a (b:2):0.5)')).toEqual([['a ', 0.5], ['b', 1]]);
  });

  it('reads (x) as ×1.1 and [x] as ÷1.1', () => {
    expect(p('(red) [blue]')).toEqual([['red', 1.1], [' ', 1], ['blue', 0.909091]]);
  });

  it('treats escaped brackets as text', () => {
    expect(p('a \\(b\\) c')).toEqual([['a (b) c', 1]]);
    expect(p('\\[x\\]')).toEqual([['[x]', 1]]);
  });

  it('closes unbalanced brackets at the end and ignores stray closers', () => {
    expect(p('a (b c')).toEqual([['a ', 1], ['b c', 1.1]]);
    expect(p('a [b')).toEqual([['a ', 1], ['b', 0.909091]]);
    expect(p('a) b]')).toEqual([['a) b]', 1]]);
  });

  it('accepts numeric weights with spaces, decimals and signs; a stray colon is text', () => {
    expect(p('(x: 0.25 )')).toEqual([['x', 0.25]]);
    expect(p('(x:.5)')).toEqual([['x', 0.5]]);
    expect(p('ratio 16:9 (y:+2)')).toEqual([['ratio 16:9 ', 1], ['y', 2]]);
  });

  it('splits on BREAK (a word on its own), not inside words', () => {
    expect(p('red BREAK blue')).toEqual([['red', 1], 'BREAK', ['blue', 1]]);
    expect(p('BREAKFAST at noon')).toEqual([['BREAKFAST at noon', 1]]);
    expect(p('(a BREAK b:1.2)')).toEqual([['a', 1.2], 'BREAK', ['b', 1.2]]);
  });
});
