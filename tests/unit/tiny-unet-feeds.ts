// Deterministic feeds for the tiny fixture UNet (4 latent channels, 64-wide text states, 32-wide pooled embeds) at a
// batch and latent side, as plain float32 arrays: each test wraps them in the tensor type its runtime takes.
import type { Tensor } from '../../src/pipeline/tensor';

export type UnetInput = 'sample' | 'timestep' | 'encoder_hidden_states' | 'text_embeds' | 'time_ids';

/** The five UNet inputs at batch `b` and a `hw`×`hw` latent, as pipeline tensors. */
export function tinyUnetFeeds(b: number, hw: number): Record<UnetInput, Tensor> {
  const t = (dims: number[], f: (i: number) => number): Tensor => ({ type: 'float32', data: Float32Array.from({ length: dims.reduce((a, x) => a * x, 1) }, (_, i) => f(i)), dims });
  return {
    sample: t([b, 4, hw, hw], (i) => Math.sin(i * 0.1)),
    timestep: t([], () => 500),
    encoder_hidden_states: t([b, 77, 64], (i) => Math.cos(i * 0.01) * 0.5),
    text_embeds: t([b, 32], (i) => i / 64),
    time_ids: t([b, 6], () => hw * 8),
  };
}

/** The same feeds as onnxruntime tensors (onnxruntime-web's or onnxruntime-node's Tensor class). */
export function tinyUnetOrtFeeds<T>(Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => T, b: number, hw: number): Record<UnetInput, T> {
  return Object.fromEntries(Object.entries(tinyUnetFeeds(b, hw)).map(([k, v]) => [k, new Tensor('float32', v.data as Float32Array, v.dims)])) as Record<UnetInput, T>;
}
