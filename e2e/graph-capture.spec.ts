// Graph capture of the UNet (?capture=1) on the real WebGPU EP (SwiftShader here): the same image as without it.
import { expect, test } from '@playwright/test';
import { AppPage, TINY_MODEL } from './app-page';

// CFG 3 runs the UNet at batch 2; two steps, so the second call of each generation replays what the first captured.
const REQUEST = { prompt: 'a red fox in the snow', width: 64, height: 64, steps: 2, cfg_scale: 3, seed: 11 };

test('the UNet with graph capture gives the image it gives without', async ({ page }) => {
  test.setTimeout(1_800_000); // SwiftShader on a shared 2-core machine: three generations and two loads take 15 min
  const notes: string[] = [];
  page.on('console', (m) => m.text().includes('Graph capture') && notes.push(m.text()));
  const app = new AppPage(page);
  const image = () => page.evaluate(async (r) => (await window.sdxl.generate(r)).images[0]!.image_b64, REQUEST);

  // Capture runs with the JS denoise loop (its inputs need fixed GPU addresses), so the uncaptured run uses it too.
  await app.open(TINY_MODEL, '&capture=0&loop=cpu');
  expect((await page.evaluate(() => window.sdxl.adapter())).provider).toBe('webgpu');
  const plain = await image();
  const plainStats = (await page.evaluate(() => window.sdxl.stats()))!;
  expect(plainStats.unet_graph_capture).toBe('off');
  expect(plainStats.denoise_loop).toBe('cpu');

  await app.open(TINY_MODEL, '&capture=1');
  const captured = await image();
  // Replays of the captured graph on the next request (same shape: the cached session, its GPU inputs rewritten).
  const replayed = await image();
  expect(captured).toBe(plain);
  expect(replayed).toBe(plain);
  // Static shapes (freeDimensionOverrides) let the EP accept capture: the session really replays, it was not refused.
  expect(notes).toEqual([]);
  const capturedStats = (await page.evaluate(() => window.sdxl.stats()))!;
  expect(capturedStats.unet_graph_capture).toBe('captured');
  expect(capturedStats.denoise_loop).toBe('cpu');
  // Figures for the README (not asserted: timing is measured, never tested).
  const pick = (s: typeof plainStats) => ({ unet_encode_cpu_ms: s.unet_encode_cpu_ms, dispatches_per_unet_call: s.dispatches_per_unet_call, peak_gpu_mb: s.peak_gpu_mb, unet_ms_per_call: s.unet_ms_per_call });
  test.info().annotations.push({ type: 'figures', description: JSON.stringify({ plain: pick(plainStats), captured_replay: pick(capturedStats) }) });
});
