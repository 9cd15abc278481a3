// Feeds follow each session's declared inputs: older Optimum exports (int32 input_ids, 1-D int64 timestep) work too.
import { describe, expect, it } from 'vitest';
import { encodePrompt } from '../../src/pipeline/prompt-encoding';
import type { ModelRunner, ValueInfo } from '../../src/pipeline/runners';
import type { Tensor } from '../../src/pipeline/tensor';
import { timestepTensor } from '../../src/pipeline/unet-call';
import type { BpeTokenizer } from '../../src/pipeline/clip-tokens';

function fakeRunner(inputs: ValueInfo[], outputs: string[], run: ModelRunner['run'] = async () => ({})): ModelRunner {
  return { inputs, outputs: outputs.map((name) => ({ name, type: 'float32', dims: [] })), run };
}

describe('session metadata decides the feeds', () => {
  it('feeds the timestep as a rank-0 float to current exports', () => {
    const unet = fakeRunner([{ name: 'timestep', type: 'float32', dims: [] }], ['out_sample']);
    expect(timestepTensor(unet, 999)).toEqual({ type: 'float32', data: Float32Array.of(999), dims: [] });
  });

  it('feeds the timestep as a 1-D int64 to older exports', () => {
    const unet = fakeRunner([{ name: 'timestep', type: 'int64', dims: ['steps'] }], ['out_sample']);
    expect(timestepTensor(unet, 749)).toEqual({ type: 'int64', data: BigInt64Array.of(749n), dims: [1] });
  });

  it('feeds input_ids in the declared integer type and reads the penultimate hidden state by name', async () => {
    const seen: Record<string, Tensor>[] = [];
    const wanted: (readonly string[] | undefined)[] = [];
    const hidden = (n: number) => ({ type: 'float32' as const, data: new Float32Array(77 * 2).fill(n), dims: [1, 77, 2] });
    const encoder = (idsType: string, pooledName: string) => fakeRunner(
      [{ name: 'input_ids', type: idsType, dims: ['batch_size', 'sequence_length'] }],
      [pooledName, 'last_hidden_state', 'hidden_states.0', 'hidden_states.1', 'hidden_states.2', 'hidden_states.3'],
      async (feeds, names) => {
        seen.push(feeds);
        wanted.push(names);
        return { 'hidden_states.2': hidden(idsType === 'int32' ? 1 : 2), text_embeds: { type: 'float32', data: new Float32Array(3), dims: [1, 3] } };
      },
    );
    const tok: BpeTokenizer = { bosId: 49406, eosId: 49407, padId: 49407, maxLength: 77, encodeBody: () => [320] };
    const out = await encodePrompt({ tokenizer: tok, tokenizer2: { ...tok, padId: 0 }, textEncoder: encoder('int32', 'pooler_output'), textEncoder2: encoder('int64', 'text_embeds') }, 'a');
    expect(seen[0]!.input_ids!.type).toBe('int32');
    expect(seen[0]!.input_ids!.data).toBeInstanceOf(Int32Array);
    expect(seen[1]!.input_ids!.type).toBe('int64');
    expect(wanted).toEqual([['hidden_states.2'], ['hidden_states.2', 'text_embeds']]);
    expect(Array.from(out.embeds.subarray(0, 4))).toEqual([1, 1, 2, 2]);
    expect(out.pooled).toHaveLength(3);
  });
});
