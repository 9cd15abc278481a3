// Custom assets end to end (issue 12) in real Chromium on the wasm backend: a LoRA, a second LoRA, an embedding, an
// alternative VAE and a refiner imported through the assets panel (URLs on this server, a file and a folder picked),
// listed with the files' own sizes and SHA-256; each reference request's image equals diffusers' PNG and the Node
// engine's image (same request, same assets) within 1 uint8 step (two of them also set up through the form's asset
// controls); then each asset is deleted through the panel and its bytes are gone from OPFS.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { openDrawer } from './app-page';
import { nodeAssetReferencePng } from './node-asset-reference';

const ASSETS_DIR = fileURLToPath(new URL('../test-data/tiny-sdxl-assets/', import.meta.url));
/** vite.config.ts serves test-data/ at /models/ in preview and dev. */
const ASSETS_URL = '/models/tiny-sdxl-assets/';

interface Case { name: string; request: Record<string, unknown>; expected: { images_png: string[] } }
const cases: Case[] = (JSON.parse(readFileSync(join(ASSETS_DIR, 'reference/requests.json'), 'utf8')) as { cases: Case[] }).cases;
const caseNamed = (name: string) => cases.find((c) => c.name === name)!;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}
/** What the library records for a file (its bytes and SHA-256) or a folder (the sum, and the SHA-256 of its sha256sum listing). */
function expectedOf(path: string): { bytes: number; sha256: string } {
  const full = join(ASSETS_DIR, path);
  if (statSync(full).isFile()) return { bytes: statSync(full).size, sha256: sha256(readFileSync(full)) };
  const files = filesUnder(full).map((f) => ({ path: relative(full, f).split('\\').join('/'), sha256: sha256(readFileSync(f)), bytes: statSync(f).size }));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const listing = files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
  return { bytes: files.reduce((s, f) => s + f.bytes, 0), sha256: sha256(Buffer.from(listing)) };
}

/** Largest per-channel difference (RGB) between two PNGs, and how many values differ by more than 1. */
function pngDiffBytes(aBytes: Buffer, bBytes: Buffer): { max: number; over1: number; size: string } {
  const a = PNG.sync.read(aBytes);
  const b = PNG.sync.read(bBytes);
  if (a.width !== b.width || a.height !== b.height) return { max: 255, over1: -1, size: `${a.width}x${a.height} vs ${b.width}x${b.height}` };
  let max = 0;
  let over1 = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a.data[i]! - b.data[i]!);
    max = Math.max(max, d);
    if (d > 1) over1++;
  }
  return { max, over1, size: `${a.width}x${a.height}` };
}
/** The browser's image against diffusers' reference PNG. */
const pngDiff = (aB64: string, referencePath: string) => pngDiffBytes(Buffer.from(aB64, 'base64'), readFileSync(join(ASSETS_DIR, 'reference', referencePath)));

const IMPORTS = [
  { name: 'tiny-kohya', kind: 'lora', path: 'loras/lora_kohya.safetensors', how: 'url' },
  { name: 'tiny-diffusers', kind: 'lora', path: 'loras/lora_diffusers.safetensors', how: 'file' },
  { name: 'tiny-style', kind: 'textual_inversion', path: 'textual_inversions/ti_sdxl.safetensors', how: 'file' },
  { name: 'tiny-vae-alt', kind: 'vae', path: 'vae_alt', how: 'url' },
  { name: 'tiny-refiner', kind: 'refiner', path: 'refiner', how: 'folder' },
] as const;

test.describe.configure({ mode: 'serial' });
let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto('/?ep=wasm');
  await page.waitForFunction(() => window.sdxl !== undefined);
  await page.evaluate(() => window.sdxl.loadModel('/models/tiny-sdxl/'));
});
test.afterAll(() => page.close());

test('imports a LoRA, an embedding, a VAE and a refiner through the assets panel', async () => {
  await openDrawer(page); // the assets library is in the Model & settings drawer
  const panel = page.getByTestId('assets-panel');
  // A wrong source is refused with the field named.
  await panel.getByTestId('asset-kind').selectOption('lora');
  await panel.getByTestId('asset-name').fill('bad name!');
  await panel.getByTestId('asset-source').fill(`${ASSETS_URL}loras/lora_kohya.safetensors`);
  await panel.getByTestId('asset-import').click();
  await expect(panel.getByTestId('asset-import-error')).toContainText('Name:');
  await expect(panel.getByTestId('asset-name')).toHaveAttribute('aria-invalid', 'true');

  for (const a of IMPORTS) {
    await panel.getByTestId('asset-kind').selectOption(a.kind);
    await panel.getByTestId('asset-name').fill(a.name);
    if (a.how === 'url') {
      await panel.getByTestId('asset-source').fill(`${ASSETS_URL}${a.path}${a.kind === 'vae' ? '/' : ''}`);
      await panel.getByTestId('asset-import').click();
    } else {
      await panel.getByTestId(a.how === 'file' ? 'asset-file' : 'asset-folder').setInputFiles(join(ASSETS_DIR, a.path));
    }
    await expect(panel.getByTestId('asset-progress')).toContainText(`Imported ${a.name}`, { timeout: 60_000 });
    const row = panel.getByTestId(`asset-${a.name}`);
    const expected = expectedOf(a.path);
    await expect(row).toHaveAttribute('data-kind', a.kind);
    await expect(row).toHaveAttribute('data-bytes', String(expected.bytes));
    await expect(row).toHaveAttribute('data-sha256', expected.sha256);
    await expect(row).toContainText(expected.sha256.slice(0, 12));
  }
  await expect(panel.getByTestId('asset-tiny-refiner').getByTestId('asset-active')).toBeVisible();
  // A second refiner (from the folder URL this time): "Use as refiner" moves the marker, and back.
  await panel.getByTestId('asset-kind').selectOption('refiner');
  await panel.getByTestId('asset-name').fill('tiny-refiner-b');
  await panel.getByTestId('asset-source').fill(`${ASSETS_URL}refiner/`);
  await panel.getByTestId('asset-import').click();
  await expect(panel.getByTestId('asset-progress')).toContainText('Imported tiny-refiner-b', { timeout: 60_000 });
  await expect(panel.getByTestId('asset-tiny-refiner-b')).toHaveAttribute('data-sha256', expectedOf('refiner').sha256);
  await expect(page.getByTestId('info-use_refiner')).toContainText('"tiny-refiner"');
  await panel.getByTestId('asset-activate-tiny-refiner-b').click();
  await expect(panel.getByTestId('asset-tiny-refiner-b').getByTestId('asset-active')).toBeVisible();
  await expect(panel.getByTestId('asset-tiny-refiner').getByTestId('asset-active')).toHaveCount(0);
  await expect(page.getByTestId('info-use_refiner')).toContainText('"tiny-refiner-b"');
  await panel.getByTestId('asset-activate-tiny-refiner').click();
  await expect(panel.getByTestId('asset-tiny-refiner').getByTestId('asset-active')).toBeVisible();
  await panel.getByTestId('asset-delete-tiny-refiner-b').click();
  await panel.getByTestId('asset-delete-confirm-tiny-refiner-b').click();
  await expect(panel.getByTestId('asset-tiny-refiner-b')).toHaveCount(0);
  // Tall enough that the controls column does not scroll (its sticky Generate bar would cover the shot).
  await page.setViewportSize({ width: 1280, height: 2400 });
  await panel.screenshot({ path: test.info().outputPath('assets-panel.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  const listed = await page.evaluate(() => window.sdxl.listAssets());
  expect(listed.map((a) => [a.name, a.kind])).toEqual(IMPORTS.map((a) => [a.name, a.kind]));
  for (const a of IMPORTS) expect(listed.find((l) => l.name === a.name)).toMatchObject(expectedOf(a.path));
  // The panel fits a narrow screen.
  expect(await overflowAt360()).toEqual([]);
});

test('every reference request through window.sdxl.generate equals diffusers\' image and the Node engine\'s within 1 step', async () => {
  const results: Record<string, string> = {};
  for (const c of cases) {
    const response = await page.evaluate((body) => window.sdxl.generate(body as never), c.request);
    const d = pngDiff(response.images[0]!.image_b64, c.expected.images_png[0]!);
    const node = pngDiffBytes(Buffer.from(response.images[0]!.image_b64, 'base64'), Buffer.from(await nodeAssetReferencePng(c.request), 'base64'));
    const stats = await page.evaluate(() => window.sdxl.stats());
    console.log(c.name, 'vs diffusers', JSON.stringify(d), 'vs Node engine', JSON.stringify(node), `asset_ms ${stats?.asset_ms}`, `warnings ${JSON.stringify(response.warnings ?? [])}`);
    const ok = d.size === '64x64' && d.max <= 1 && node.max <= 1 && !(response.warnings ?? []).length;
    results[c.name] = ok ? 'ok' : JSON.stringify({ diffusers: d, node, warnings: response.warnings });
  }
  expect(results).toEqual(Object.fromEntries(cases.map((c) => [c.name, 'ok'])));
});

test('the form builds the two-LoRA request with chips and sliders, and its image equals diffusers\'', async () => {
  const c = caseNamed('lora_kohya_w060_diffusers_w080_seed7');
  const { loras: _l, ...base } = c.request;
  await page.locator('#tab-json').click();
  await page.getByTestId('json-text').fill(JSON.stringify(base));
  await page.locator('#tab-form').click();
  await page.locator('details[data-group="advanced"] > summary').click();
  for (const [name, weight] of [['tiny-kohya', '0.6'], ['tiny-diffusers', '0.8']]) {
    await page.getByTestId('lora-pick').selectOption(name!);
    await page.getByTestId('lora-add').click();
    await page.getByTestId(`lora-weight-${name}`).fill(weight!);
  }
  await expect(page.getByTestId('asset-costs')).toContainText('LoRA');
  await page.locator('details[data-group="advanced"]').screenshot({ path: test.info().outputPath('asset-controls.png') });
  await page.locator('#tab-json').click();
  expect(JSON.parse(await page.getByTestId('json-text').inputValue())).toEqual(c.request);
  await page.locator('#tab-form').click();
  await generateFromForm(c);
  expect((await page.evaluate(() => window.sdxl.stats()))?.asset_ms).toBeGreaterThan(0);
  await expect(page.getByTestId('asset-warnings')).toBeEmpty();
  // Remove both chips: the field leaves the request.
  await page.getByTestId('lora-remove-tiny-kohya').click();
  await page.getByTestId('lora-remove-tiny-diffusers').click();
  expect(await page.evaluate(() => 'loras' in JSON.parse((document.getElementById('json-text') as HTMLTextAreaElement).value))).toBe(false);
});

test('the embedding picker adds {name: trigger} and inserts the trigger at the caret; the image equals diffusers\'', async () => {
  const c = caseNamed('ti_tiny_style_seed8');
  const { textual_inversions: _t, ...base } = c.request;
  await page.locator('#tab-json').click();
  await page.getByTestId('json-text').fill(JSON.stringify({ ...base, prompt: 'a portrait in' }));
  await page.locator('#tab-form').click();
  const prompt = page.locator('#field-prompt');
  await prompt.click();
  await prompt.press('End');
  await page.getByTestId('ti-pick').selectOption('tiny-style');
  await expect(page.getByTestId('ti-trigger')).toHaveValue('<tiny-style>');
  await page.getByTestId('ti-add').click();
  await expect(prompt).toHaveValue('a portrait in <tiny-style>');
  await page.locator('#tab-json').click();
  expect(JSON.parse(await page.getByTestId('json-text').inputValue())).toEqual(c.request);
  await page.locator('#tab-form').click();
  await generateFromForm(c);
});

test('the VAE and checkpoint dropdowns and the refiner fields write the request\'s fields', async () => {
  await page.getByTestId('vae-pick').selectOption('tiny-vae-alt');
  await expect(page.getByTestId('asset-costs')).toContainText('VAE tiny-vae-alt');
  await expect(page.locator('[data-field="use_refiner"]')).toBeVisible();
  await page.locator('[name="use_refiner"]').check();
  await expect(page.getByTestId('asset-costs')).toContainText('+1 UNet session');
  await expect(page.getByTestId('checkpoint-pick')).toHaveValue('octoai:lightning_sdxl');
  const draft = await page.evaluate(() => JSON.parse((document.getElementById('json-text') as HTMLTextAreaElement).value) as Record<string, unknown>);
  expect(draft).toMatchObject({ vae: 'tiny-vae-alt', use_refiner: true });
  expect(draft.checkpoint).toBeUndefined();
  // The form's asset controls (with chips and long option labels) fit a narrow screen.
  await page.getByTestId('lora-pick').selectOption('tiny-kohya');
  await page.getByTestId('lora-add').click();
  expect(await overflowAt360()).toEqual([]);
  await page.getByTestId('lora-remove-tiny-kohya').click();
  await page.getByTestId('vae-pick').selectOption('');
  await page.locator('[name="use_refiner"]').uncheck();
});

test('deleting each asset through the panel removes it and its bytes', async () => {
  await openDrawer(page);
  const panel = page.getByTestId('assets-panel');
  const dirs = () => page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const assets = await root.getDirectoryHandle('assets').catch(() => undefined);
    const out: string[] = [];
    if (assets) for await (const [name, h] of (assets as unknown as AsyncIterable<[string, FileSystemHandle]>)) if (h.kind === 'directory') out.push(name);
    return out;
  });
  expect(await dirs()).toHaveLength(IMPORTS.length);
  // Rename keeps the bytes and changes what requests name.
  await panel.getByTestId('asset-rename-tiny-style').click();
  await panel.getByTestId('asset-new-name-tiny-style').fill('tiny-style-2');
  await panel.getByTestId('asset-rename-save-tiny-style').click();
  await expect(panel.getByTestId('asset-tiny-style-2')).toBeVisible();
  for (const a of IMPORTS) {
    const name = a.name === 'tiny-style' ? 'tiny-style-2' : a.name;
    await panel.getByTestId(`asset-delete-${name}`).click();
    await panel.getByTestId(`asset-delete-confirm-${name}`).click();
    await expect(panel.getByTestId(`asset-${name}`)).toHaveCount(0);
  }
  expect(await page.evaluate(() => window.sdxl.listAssets())).toEqual([]);
  expect(await dirs()).toEqual([]);
  // Nothing derived from the assets stays behind: the fused LoRA overlays go with them (the engine drops its variants
  // after a deletion, in its queue, so this is polled).
  const overlays = () => page.evaluate(async () => {
    const files: string[] = [];
    const walk = async (dir: FileSystemDirectoryHandle, at: string): Promise<void> => {
      for await (const [name, h] of (dir as unknown as AsyncIterable<[string, FileSystemHandle]>)) {
        if (h.kind === 'directory') await walk(h as FileSystemDirectoryHandle, `${at}${name}/`);
        else files.push(`${at}${name}`);
      }
    };
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('variants').catch(() => undefined);
    if (dir) await walk(dir, 'variants/');
    return files;
  });
  await expect.poll(overlays, { timeout: 30_000 }).toEqual([]);
});

/** Asset UI elements reaching past the right edge of a 360 px wide page (other cards may; these must not). */
async function overflowAt360(): Promise<string[]> {
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: 360, height: 800 });
  const wide = await page.evaluate(() => [...document.querySelectorAll('#assets-panel *, .asset-controls *, #asset-costs, [data-field] select')]
    .filter((e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .map((e) => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`));
  await page.setViewportSize(size);
  return wide;
}

async function generateFromForm(c: Case): Promise<void> {
  const before = await page.getByTestId('result').count();
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 120_000 });
  const img = page.getByTestId('result').first().locator('img');
  await expect(img).toHaveAttribute('data-seed', String(c.request.seed));
  const src = (await img.getAttribute('src'))!;
  const d = pngDiff(src.split(',')[1]!, c.expected.images_png[0]!);
  expect(d.max, `${c.name}: ${JSON.stringify(d)}`).toBeLessThanOrEqual(1);
}
