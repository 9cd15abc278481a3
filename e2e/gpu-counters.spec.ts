// The GPU work counters on the real WebGPU EP (SwiftShader here): what a 64×64 generation dispatches, allocates and moves.
import { expect, test } from '@playwright/test';
import { AppPage } from './app-page';

test('stats() counts the dispatches, GPU memory and per-step latent transfers of a generation', async ({ page }) => {
  // Shader compilation on SwiftShader: minutes on a loaded 2-core machine (a guard against a hang, not a timing).
  test.setTimeout(780_000);
  const app = new AppPage(page);
  await app.open();
  expect((await page.evaluate(() => window.sdxl.adapter())).provider).toBe('webgpu');
  await page.evaluate(() => window.sdxl.generate({ prompt: 'a red fox', width: 64, height: 64, steps: 1, cfg_scale: 3, seed: 7 }));
  const stats = (await page.evaluate(() => window.sdxl.stats()))!;
  expect(stats.provider).toBe('webgpu');
  expect(stats.denoise_steps).toBe(1);
  expect(stats.unet_ms_per_call).toHaveLength(1);
  const gpu = stats.gpu!;
  if (stats.denoise_loop === 'cpu') {
    // Each UNet output comes back to the CPU for guidance and the step, and the next sample goes up again.
    expect(stats.readbacks_per_step).toBeGreaterThanOrEqual(1);
    expect(stats.uploads_per_step).toBeGreaterThanOrEqual(1);
    // The device saw those readbacks too (mapAsync READ), plus the text encoders' and the VAE's outputs.
    expect(gpu.readbacks).toBeGreaterThanOrEqual(stats.denoise_steps + 1);
  } else {
    // A GPU-resident loop: no full latent crosses per step; the image's pixels come back once.
    expect([stats.readbacks_per_step, stats.uploads_per_step]).toEqual([0, 0]);
  }
  expect(stats.dispatches_per_unet_call).toBeGreaterThan(0);
  expect(stats.unet_encode_cpu_ms).toHaveLength(1);
  for (const ms of stats.unet_encode_cpu_ms!) expect(ms).toBeGreaterThan(0);
  // Peak includes the weights: at least the UNet's bytes are in GPU buffers.
  const unetBytes = (await page.evaluate(() => window.sdxl.model()))!.componentBytes.unet!;
  expect(stats.peak_gpu_mb! * 1e6).toBeGreaterThanOrEqual(unetBytes);
  expect(gpu.dispatches).toBeGreaterThan(stats.dispatches_per_unet_call!); // + the encoders' and the VAE's
  expect(gpu.peakBytes).toBeGreaterThanOrEqual(gpu.liveBytes);
  expect(gpu.submits).toBeGreaterThan(0);

  // Steady state: a second request of the same shape, then one with five times the steps. The latents, UNet outputs
  // and history are GPU tensors whose buffers onnxruntime's cache hands back every step: what a step still creates is
  // only the small staging buffers of its scalar uploads (timestep, divisor, coefficients), never a latent-sized one.
  const created = async (steps: number) => {
    await page.evaluate((n) => window.sdxl.generate({ prompt: 'a red fox', width: 64, height: 64, steps: n, cfg_scale: 3, seed: 7 }), steps);
    return (await page.evaluate(() => window.sdxl.stats()))!.gpu!;
  };
  const [one, five] = [await created(1), await created(5)];
  const perStep = { buffers: (five.buffersCreated - one.buffersCreated) / 4, bytes: (five.createdBytes - one.createdBytes) / 4 };
  console.log(JSON.stringify({ gpu_buffers_created: { steps_1: one.buffersCreated, steps_5: five.buffersCreated, per_step: perStep } }));
  if (stats.denoise_loop === 'gpu') {
    const latentBytes = 4 * 8 * 8 * 4; // one 64×64 image's latents in float32
    expect(perStep.bytes).toBeLessThan(latentBytes);
    expect(perStep.buffers).toBeLessThanOrEqual(4); // one staging buffer per scalar upload at most
  }
});
