// Code written for OctoAI runs unchanged against the app: its published SDK (@octoai/sdk) and plain fetch call
// POST <app>/generate/sdxl, which the service worker answers through the open app page's engine.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { toCamel } from '../src/embed/case-mapping';
import { AppPage } from './app-page';
import { buildOctoaiSdk } from './octoai-sdk/build';
import { serviceWorkerControls } from './service-worker';

const SEEDED = { prompt: 'a paper boat on a pond', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 5150 };
let sdkScript = '';
test.beforeAll(async () => {
  sdkScript = await buildOctoaiSdk();
});

/**
 * Loads OctoAI's SDK bundle into the app page as a script file of the site: the app's CSP allows scripts from its own
 * origin only (no inline code), so the file is served at an app URL (routed) rather than injected inline.
 */
async function addOctoaiSdk(page: Page): Promise<void> {
  await page.route('**/__test__/octoai-sdk.js', (route) => route.fulfill({ path: sdkScript, contentType: 'text/javascript' }));
  await page.addScriptTag({ url: '__test__/octoai-sdk.js' });
}

/** POST generate/sdxl from the page with fetch; answers status, headers that matter, and the parsed body. */
const post = (page: Page, body: unknown, headers: Record<string, string> = {}) => page.evaluate(async ([b, h]) => {
  const r = await fetch('generate/sdxl', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer any-token', ...h }, body: typeof b === 'string' ? b : JSON.stringify(b) });
  const text = await r.text();
  return { status: r.status, streamed: r.headers.get('X-Sdxl-Streamed'), body: JSON.parse(text) as Record<string, unknown>, text };
}, [body, headers] as const);

test('@octoai/sdk and fetch against the app origin: same image as the page API, 422 with the detail, 503 without an engine', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?ep=wasm');
  await serviceWorkerControls(page);

  // Before a model is loaded the app says so, as a 503 with a reason.
  const early = await post(page, SEEDED);
  expect(early.status).toBe(503);
  expect(early.body).toMatchObject({ code: 'model_not_loaded' });

  await page.evaluate(() => window.sdxl.loadModel('./models/tiny-sdxl/'));
  const reference = (await page.evaluate((r) => window.sdxl.generate(r), SEEDED)).images[0]!.image_b64;

  // OctoAI's own client, constructed with the app's origin as its imageGen environment; nothing else changes.
  await addOctoaiSdk(page);
  const viaSdk = await page.evaluate(async (r) => {
    const { OctoAIClient } = window as unknown as { OctoAIClient: new (o: object) => { imageGen: { generateSdxl(r: object): Promise<{ images: { imageB64: string; seed: number }[] }> } } };
    const base = new URL('.', location.href).href.replace(/\/$/, '');
    const client = new OctoAIClient({ apiKey: 'unused-here', environment: { default: base, imageGen: base, textGen: base } });
    const ok = await client.imageGen.generateSdxl({ prompt: r.prompt, width: r.width, height: r.height, steps: r.steps, cfgScale: r.cfg_scale, seed: r.seed, sampler: 'K_EULER' });
    let error: { statusCode?: number; body?: unknown; name?: string } = {};
    try {
      await client.imageGen.generateSdxl({ prompt: 'x', steps: 0, width: 64, height: 64 });
    } catch (e) {
      error = { statusCode: (e as { statusCode?: number }).statusCode, body: (e as { body?: unknown }).body, name: (e as Error).constructor.name };
    }
    return { image: ok.images[0]!.imageB64, seed: ok.images[0]!.seed, error };
  }, SEEDED);
  expect(viaSdk.image).toBe(reference);
  expect(viaSdk.seed).toBe(5150);
  expect(viaSdk.error.statusCode).toBe(422);
  expect(viaSdk.error.name).toBe('UnprocessableEntityError');
  expect((viaSdk.error.body as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join('.'))).toEqual(['body.steps']);

  // Plain fetch: the REST body, a real 422 for bad JSON, the CORS preflight.
  const plain = await post(page, SEEDED);
  expect(plain.status).toBe(200);
  expect((plain.body.images as { image_b64: string }[])[0]!.image_b64).toBe(reference);
  const badJson = await post(page, '{"prompt": ');
  expect(badJson.status).toBe(422);
  expect(badJson.body).toMatchObject({ detail: [{ loc: ['body'], type: 'json_invalid' }] });
  const preflight = await page.evaluate(async () => {
    const r = await fetch('generate/sdxl', { method: 'OPTIONS', headers: { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } });
    return { status: r.status, methods: r.headers.get('Access-Control-Allow-Methods'), headers: r.headers.get('Access-Control-Allow-Headers') };
  });
  expect(preflight).toEqual({ status: 204, methods: 'POST, OPTIONS', headers: 'authorization, content-type' });

  // A run longer than the answer window is streamed: 200 at once, spaces while it runs, then the same JSON.
  const streamed = await post(page, SEEDED, { 'X-Sdxl-Stream-After-Ms': '1' });
  expect(streamed.streamed).toBe('1');
  expect(streamed.text.startsWith(' ')).toBe(true);
  expect((streamed.body.images as { image_b64: string }[])[0]!.image_b64).toBe(reference);

  // With no app page open, another page of the app's origin gets a clear 503.
  const other = await context.newPage();
  await other.goto('/embed.html');
  await serviceWorkerControls(other);
  await page.close();
  const none = await post(other, SEEDED);
  expect(none.status).toBe(503);
  expect(none.body).toMatchObject({ code: 'no_engine_page' });
  expect(String(none.body.detail)).toContain('Open the app');
  await context.close();
});

interface ExtrasCase { name: string; field_group: string; request: Record<string, unknown>; expected: { images_png: string[] } }
const EXTRAS = new URL('../test-data/tiny-sdxl-octoai-extras/', import.meta.url);
const extras = (JSON.parse(readFileSync(new URL('requests.json', EXTRAS), 'utf8')) as { cases: ExtrasCase[] }).cases;

test('every field the SDK adds (prompt_2, clip_skip, inpaint_full_res, six samplers) matches diffusers through @octoai/sdk', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?ep=wasm');
  await serviceWorkerControls(page);
  await page.evaluate(() => window.sdxl.loadModel('./models/tiny-sdxl/'));
  await addOctoaiSdk(page);
  const app = new AppPage(page);
  expect(new Set(extras.map((c) => c.field_group))).toEqual(new Set(['prompt2', 'clip_skip', 'inpaint_full_res', 'samplers']));
  for (const c of extras) {
    // The SDK's own (camelCase) names: its serializer drops anything else.
    const request = Object.fromEntries(Object.entries(c.request).map(([k, v]) => [toCamel(k), v]));
    const image = await page.evaluate(async (r) => {
      const { OctoAIClient } = window as unknown as { OctoAIClient: new (o: object) => { imageGen: { generateSdxl(r: object): Promise<{ images: { imageB64: string }[] }> } } };
      const base = new URL('.', location.href).href.replace(/\/$/, '');
      const client = new OctoAIClient({ apiKey: 'unused-here', environment: { default: base, imageGen: base, textGen: base } });
      return (await client.imageGen.generateSdxl(r)).images[0]!.imageB64;
    }, request);
    const expected = readFileSync(new URL(c.expected.images_png[0]!, EXTRAS)).toString('base64');
    const diff = await app.pixelDiff(image, expected);
    expect(diff.max, `${c.name}: max uint8 difference from diffusers`).toBeLessThanOrEqual(1);
  }
  await context.close();
});
