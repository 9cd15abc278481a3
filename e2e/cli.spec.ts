// The CLI (onnxruntime-node's CPU EP) and the app in Chromium (onnxruntime-web's wasm EP, through window.sdxl) make
// the same image for the same seeded request. Both equal diffusers within ±1 of 255; the two EPs' kernels round the
// last float bits differently, so the tolerance between them is ±1 per channel too (measured in the README).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { AppPage } from './app-page';
import { baseArgs, chromiumPath } from './browser';

test.use({ launchOptions: { executablePath: chromiumPath, args: ['--disable-webgpu', ...baseArgs] } });

const CLI = fileURLToPath(new URL('../src/node/cli.ts', import.meta.url));
const MODEL = fileURLToPath(new URL('../test-data/tiny-sdxl/', import.meta.url));

function runCli(body: unknown, out: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '-', '--model', MODEL, '--out', out, '--provider', 'cpu'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdin.end(JSON.stringify(body));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('a seeded request gives the same image from the CLI as from the page', async ({ page }) => {
  // The page's model load plus a whole CLI process (its own model load) on a 2-core machine.
  test.setTimeout(600_000);
  const body = { prompt: 'a lighthouse on a cliff, (stormy sea:1.2)', negative_prompt: 'blurry', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 1234, sampler: 'K_EULER_ANCESTRAL' as const };
  const app = new AppPage(page);
  await app.open();
  expect((await page.evaluate(() => window.sdxl.model()))?.provider).toBe('wasm');
  const browser = await page.evaluate((b) => window.sdxl.generate(b), body);
  const out = await mkdtemp(join(tmpdir(), 'sdxl-cli-e2e-'));
  try {
    const r = await runCli(body, out);
    expect(r.code, r.stderr).toBe(0);
    const cliPng = (await readFile(join(out, '0.png'))).toString('base64');
    const diff = await app.pixelDiff(cliPng, browser.images[0]!.image_b64);
    console.log(JSON.stringify({ cli_vs_browser: diff }));
    expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(1);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
