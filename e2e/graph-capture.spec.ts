// Graph capture of the UNet (?capture=1) on the real WebGPU EP (SwiftShader here): the same image as without it.
import { expect, test } from '@playwright/test';
import { AppPage, TINY_MODEL } from './app-page';

// CFG 3 runs the UNet at batch 2; two steps, so the second call of each generation replays what the first captured.
const REQUEST = { prompt: 'a red fox in the snow', width: 64, height: 64, steps: 2, cfg_scale: 3, seed: 11 };

test('the UNet with graph capture gives the image it gives without, in the device loop and in the JS loop', async ({ page }) => {
  test.setTimeout(1_800_000); // SwiftShader on a shared 2-core machine: six generations and four loads
  const notes: string[] = [];
  page.on('console', (m) => m.text().includes('Graph capture') && notes.push(m.text()));
  const app = new AppPage(page);
  const image = () => page.evaluate(async (r) => (await window.sdxl.generate(r)).images[0]!.image_b64, REQUEST);
  const stats = async () => (await page.evaluate(() => window.sdxl.stats()))!;

  // The device loop (the default on WebGPU): the captured UNet copies each step's GPU inputs into its own buffers.
  await app.open(TINY_MODEL, '&capture=0');
  expect((await page.evaluate(() => window.sdxl.adapter())).provider).toBe('webgpu');
  const plain = await image();
  const plainStats = await stats();
  expect([plainStats.unet_graph_capture, plainStats.denoise_loop]).toEqual(['off', 'gpu']);

  await app.open(TINY_MODEL, '&capture=1');
  const captured = await image();
  // Replays of the captured graph on the next request (same shape: the cached session, its inputs rewritten).
  const replayed = await image();
  expect(captured).toBe(plain);
  expect(replayed).toBe(plain);
  const capturedStats = await stats();
  expect([capturedStats.unet_graph_capture, capturedStats.denoise_loop]).toEqual(['captured', 'gpu']);
  expect(capturedStats.readbacks_per_step).toBe(0); // still no full-latent readback per step

  // The JS loop: CPU inputs written into the same kind of buffers, CPU outputs.
  await app.open(TINY_MODEL, '&capture=0&loop=cpu');
  const plainJs = await image();
  await app.open(TINY_MODEL, '&capture=1&loop=cpu');
  expect(await image()).toBe(plainJs);
  expect(await image()).toBe(plainJs);
  expect([(await stats()).unet_graph_capture, (await stats()).denoise_loop]).toEqual(['captured', 'cpu']);
  // Static shapes (freeDimensionOverrides) let the EP accept capture: the session really replays, it was not refused.
  expect(notes).toEqual([]);
  // Figures for the README (not asserted: timing is measured, never tested).
  const pick = (s: typeof plainStats) => ({ unet_encode_cpu_ms: s.unet_encode_cpu_ms, dispatches_per_unet_call: s.dispatches_per_unet_call, peak_gpu_mb: s.peak_gpu_mb, unet_ms_per_call: s.unet_ms_per_call });
  test.info().annotations.push({ type: 'figures', description: JSON.stringify({ plain: pick(plainStats), captured_replay: pick(capturedStats) }) });
  console.log(JSON.stringify({ graph_capture_device_loop: { plain: pick(plainStats), captured_replay: pick(capturedStats) } }));
});
