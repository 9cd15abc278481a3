// The VAE decoder's largest-buffer estimate (hand-computed for SDXL) and the automatic tiling rule against limits.
import { describe, expect, it } from 'vitest';
import { chooseVaeTiling, LOW_MEMORY_BUFFER_BYTES, vaeDecoderLargestBuffer, vaeEncoderLargestBuffer, type VaeShape } from '../../src/pipeline/vae-memory';
import { adapterBufferLimit, decideVaeTiling } from '../../src/worker/vae-tiling';
import type { SdxlComponents } from '../../src/pipeline/generate';

const SDXL: VaeShape = { blockOutChannels: [128, 256, 512, 512] };
const TINY: VaeShape = { blockOutChannels: [32, 32, 64, 64] };
const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('vaeDecoderLargestBuffer', () => {
  it('SDXL at 1024²: the 256-channel full-resolution activation (1 GiB fp32, 512 MiB fp16) and 16384² attention scores', () => {
    // 256 × 1024 × 1024 elements: the last upsampler's output and the last up block's first resnet input.
    expect(vaeDecoderLargestBuffer(SDXL, 128, 128, 'fp32')).toEqual({ activationBytes: GiB, attentionBytes: GiB, largestBytes: GiB });
    expect(vaeDecoderLargestBuffer(SDXL, 128, 128, 'fp16')).toEqual({ activationBytes: GiB / 2, attentionBytes: GiB, largestBytes: GiB });
  });

  it('scales with the area (activations) and the area squared (attention)', () => {
    const half = vaeDecoderLargestBuffer(SDXL, 64, 64, 'fp16');
    expect(half.activationBytes).toBe(128 * MiB);
    expect(half.attentionBytes).toBe(64 * MiB);
    expect(vaeDecoderLargestBuffer({ ...SDXL, midBlockAttention: false }, 64, 64, 'fp16').largestBytes).toBe(128 * MiB);
  });

  it('at the mid resolution a wide block can dominate: 512 channels at 512² for 1344×768', () => {
    // latent 96×168: level 3 (full res) 256 × 768 × 1344; level 2 512 × 384 × 672 is the same count.
    const e = vaeDecoderLargestBuffer(SDXL, 96, 168, 'fp32');
    expect(e.activationBytes).toBe(256 * 768 * 1344 * 4);
  });
});

describe('vaeEncoderLargestBuffer', () => {
  it('SDXL at 1024²: 128 channels at full resolution (512 MiB fp32) and the same attention scores as the decoder', () => {
    const e = vaeEncoderLargestBuffer(SDXL, 128, 128, 'fp32');
    expect(e.activationBytes).toBe(128 * 1024 * 1024 * 4);
    expect(e.attentionBytes).toBe(vaeDecoderLargestBuffer(SDXL, 128, 128, 'fp32').attentionBytes);
  });

  it('never needs more than the decoder, so the decoder’s tile choice serves an encode too', () => {
    for (const shape of [SDXL, TINY, { blockOutChannels: [256, 128, 64] }, { blockOutChannels: [64, 512, 512, 512], midBlockAttention: false }]) {
      for (const [h, w] of [[8, 8], [128, 128], [96, 168], [4, 200]] as const) {
        for (const p of ['fp16', 'fp32'] as const) {
          const enc = vaeEncoderLargestBuffer(shape, h, w, p);
          const dec = vaeDecoderLargestBuffer(shape, h, w, p);
          expect(enc.largestBytes, `${shape.blockOutChannels.join('/')} ${h}×${w} ${p}`).toBeLessThanOrEqual(dec.largestBytes);
          expect(enc.activationBytes).toBeGreaterThan(0);
        }
      }
    }
  });
});

describe('chooseVaeTiling', () => {
  it('decodes whole when the largest buffer fits the adapter limit', () => {
    expect(chooseVaeTiling(SDXL, 128, 128, 'fp16', { maxBufferBytes: 2 * GiB, lowMemory: false }).tileLatent).toBeUndefined();
    expect(chooseVaeTiling(SDXL, 128, 128, 'fp32', { maxBufferBytes: GiB, lowMemory: false }).tileLatent).toBeUndefined();
  });

  it('tiles with the largest multiple of 8 latents that fits when the adapter limit is smaller', () => {
    const c = chooseVaeTiling(SDXL, 128, 128, 'fp16', { maxBufferBytes: GiB - 4, lowMemory: false });
    expect(c.tileLatent).toBe(120);
    expect(c.tile!.largestBytes).toBeLessThanOrEqual(GiB - 4);
    // The 128 MiB default limit of WebGPU (what an adapter that offers no more gives).
    const small = chooseVaeTiling(SDXL, 128, 128, 'fp32', { maxBufferBytes: 128 * MiB, lowMemory: false });
    expect(small.tileLatent).toBe(40);
    expect(small.tile!.largestBytes).toBeLessThanOrEqual(128 * MiB);
    expect(vaeDecoderLargestBuffer(SDXL, 48, 48, 'fp32').largestBytes).toBeGreaterThan(128 * MiB);
  });

  it('low-memory mode caps every buffer at LOW_MEMORY_BUFFER_BYTES, also on the wasm EP (no adapter limit)', () => {
    const c = chooseVaeTiling(SDXL, 128, 128, 'fp16', { lowMemory: true });
    expect(c.budgetBytes).toBe(LOW_MEMORY_BUFFER_BYTES);
    expect(c.tileLatent).toBe(88);
    expect(chooseVaeTiling(SDXL, 128, 128, 'fp16', { lowMemory: false }).tileLatent).toBeUndefined();
  });

  it('never tiles the tiny model at its sizes, and goes no smaller than 8 latents', () => {
    expect(chooseVaeTiling(TINY, 8, 8, 'fp32', { maxBufferBytes: 128 * MiB, lowMemory: true }).tileLatent).toBeUndefined();
    expect(chooseVaeTiling(TINY, 32, 32, 'fp32', { maxBufferBytes: 1024, lowMemory: false }).tileLatent).toBe(8);
  });
});

const components = (over: Partial<SdxlComponents> = {}) => ({
  vaeScaleFactor: 8, vaeShape: TINY, vaeDecoder: { inputs: [{ name: 'latent_sample', type: 'float32', dims: [] }], outputs: [], run: async () => ({}) }, ...over,
}) as unknown as SdxlComponents;
const webgpu = { provider: 'webgpu' as const, shaderF16: false, maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 128 * MiB };

describe('decideVaeTiling (the engine option)', () => {
  const ctx = { adapter: webgpu, lowMemory: false, components: components(), width: 256, height: 256 };

  it('takes the smaller of the two adapter limits, and none on wasm', () => {
    expect(adapterBufferLimit(webgpu)).toBe(128 * MiB);
    expect(adapterBufferLimit({ provider: 'wasm', shaderF16: false, maxBufferSize: 1 })).toBeUndefined();
  });

  it("'auto' (the default) follows the rule; a tiny adapter limit makes the tiny model tile", () => {
    expect(decideVaeTiling(undefined, ctx)).toMatchObject({ ok: true, tileLatent: undefined });
    const tinyLimit = decideVaeTiling('auto', { ...ctx, adapter: { ...webgpu, maxStorageBufferBindingSize: 4 * MiB } });
    expect(tinyLimit).toMatchObject({ ok: true, tileLatent: 16 });
  });

  it("{tileSize} forces tiles, 'off' forbids them whatever the limits", () => {
    expect(decideVaeTiling({ tileSize: 64 }, ctx)).toMatchObject({ ok: true, tileLatent: 8 });
    expect(decideVaeTiling('off', { ...ctx, adapter: { ...webgpu, maxStorageBufferBindingSize: 1024 } })).toEqual({ ok: true });
  });

  it.each([
    [{ tileSize: 40 }, ['options', 'vaeTiling', 'tileSize'], /multiple of 32 pixels.*got 40/],
    [{ tileSize: -32 }, ['options', 'vaeTiling', 'tileSize'], /positive whole number/],
    [{ tileSize: 32.5 }, ['options', 'vaeTiling', 'tileSize'], /whole number/],
    [{ tile: 32 }, ['options', 'vaeTiling', 'tileSize'], /vaeTiling\.tileSize must be a whole number.*Unrecognized key: "tile"/],
    ['sometimes', ['options', 'vaeTiling'], /'auto', 'off' or \{ tileSize: pixels \}/],
  ])('refuses %j, naming the field and the rule', (option, loc, msg) => {
    const d = decideVaeTiling(option, ctx);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.detail[0]!.loc).toEqual(loc);
    expect(d.detail.map((e) => e.msg).join(' ')).toMatch(msg);
  });
});
