// The Content-Security-Policy, enforced: the app and the widget load the tiny model and generate (wasm, then WebGPU)
// with no violation in any page, frame or worker — seen two ways: securitypolicyviolation events, and the reports the
// browser POSTs to `vite preview` (report-uri: also a worker's start-up) — and a deliberate eval proves both watches work.
import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { APP_PORT, HUB_PORT } from './browser';

const APP = `http://127.0.0.1:${APP_PORT}/`;
const REQUEST = { prompt: 'a lighthouse at dusk', width: 64, height: 64, steps: 2, cfg_scale: 3, seed: 5 };

/** Collects securitypolicyviolation events in every document (before any of its scripts run). */
const WATCH_DOCUMENT = () => {
  const w = window as unknown as { __csp: string[] };
  w.__csp = [];
  addEventListener("securitypolicyviolation", (e: SecurityPolicyViolationEvent) => w.__csp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
};
/** The same in a worker (attached when Playwright sees it, before the model or a generation starts). */
const WATCH_WORKER = () => {
  const g = self as unknown as { __csp?: string[] };
  if (g.__csp) return;
  g.__csp = [];
  self.addEventListener('securitypolicyviolation', (e) => g.__csp!.push(`${e.effectiveDirective} ${e.blockedURI}`));
};

test.describe.configure({ mode: 'serial' });
let context: BrowserContext;
const workers: Worker[] = [];
let reportsSeen = 0;

/** Violation reports the browser sent since the last call: "<directive> <blocked> in <document or worker>". */
async function newReports(): Promise<string[]> {
  const all = (await (await fetch(`${APP}__csp-reports`)).json()) as { 'csp-report'?: Record<string, string> }[];
  const fresh = all.slice(reportsSeen).map((r) => `${r['csp-report']?.['effective-directive']} ${r['csp-report']?.['blocked-uri']} in ${r['csp-report']?.['document-uri']}`);
  reportsSeen = all.length;
  return fresh;
}

function watch(page: Page): void {
  page.on('worker', (w) => {
    workers.push(w);
    void w.evaluate(WATCH_WORKER).catch(() => undefined);
  });
}
async function violations(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const f of page.frames()) found.push(...(await f.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []).catch(() => [])).map((v) => `page ${v}`));
  for (const w of workers) found.push(...(await w.evaluate(() => (self as unknown as { __csp?: string[] }).__csp ?? []).catch(() => [])).map((v) => `worker ${v}`));
  return found;
}

test.beforeAll(async ({ browser }) => {
  await newReports();
  context = await browser.newContext();
  await context.addInitScript(WATCH_DOCUMENT);
});
test.afterAll(() => context.close());

test('the app page and its worker carry the policy: Hub, its CDN and the configured mirror only, no eval', async () => {
  const page = await context.newPage();
  const response = await page.goto(`${APP}?ep=wasm`);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  // The header (vite preview) is the same policy, plus where to report violations.
  expect(response!.headers()['content-security-policy']).toBe(`${meta}; report-uri /__csp-reports`);
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(meta).toContain(`connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co http://localhost:${HUB_PORT};`);
  expect(meta).not.toMatch(/'unsafe-eval'|'unsafe-inline'|\*;/);
  // The meta comes first in <head>, before any script or style it governs.
  expect(await page.evaluate(() => document.head.firstElementChild?.nextElementSibling?.getAttribute('http-equiv'))).toBe('Content-Security-Policy');
  await page.close();
});

test('wasm EP: load the tiny model and generate from the form with no violation in page or worker', async () => {
  const page = await context.newPage();
  watch(page);
  await page.goto(`${APP}?ep=wasm`);
  await page.evaluate(() => window.sdxl.loadModel('./models/tiny-sdxl/'));
  await page.locator('[name="prompt"]').fill(REQUEST.prompt);
  await page.locator('[name="steps"]').fill('2');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('result').first()).toBeVisible({ timeout: 120_000 });
  // The page API too (another path through the worker), and the images shown from data:/blob: URLs.
  const r = await page.evaluate((req) => window.sdxl.generate(req), REQUEST);
  expect(r.images).toHaveLength(1);
  expect(workers.length).toBeGreaterThan(0);
  expect(await violations(page)).toEqual([]);
  expect(await newReports()).toEqual([]);

  // The watch works: an eval in the page and in the worker is refused and reported. (Run from a timer: code that
  // Playwright evaluates directly is exempt from the CSP's eval rule.)
  await page.evaluate(() => void setTimeout(() => {
    try {
      eval('1');
    } catch {
      /* refused */
    }
  }));
  await workers[0]!.evaluate(() => void setTimeout(() => {
    try {
      new Function('return 1')();
    } catch {
      /* refused */
    }
  }));
  await expect.poll(async () => new Set((await violations(page)).map((v) => v.split(' ').slice(0, 3).join(' ')))).toEqual(new Set(['page script-src eval', 'worker script-src eval']));
  const reports: string[] = [];
  await expect.poll(async () => reports.push(...(await newReports())) && reports.some((r) => r.includes('/assets/sdxl.worker'))).toBe(true);
  expect(reports).toEqual(expect.arrayContaining([`script-src eval in ${APP}?ep=wasm`, expect.stringMatching(/^script-src eval in .*\/assets\/sdxl\.worker-.*\.js$/)]));
  await page.close();
});

test('WebGPU EP: one tiny generation with no violation', async () => {
  workers.length = 0;
  const page = await context.newPage();
  watch(page);
  await page.goto(APP);
  const report = await page.evaluate(() => window.sdxl.loadModel('./models/tiny-sdxl/'));
  test.skip(report.provider !== 'webgpu', 'no WebGPU adapter in this browser');
  const r = await page.evaluate((req) => window.sdxl.generate(req), REQUEST);
  expect(r.images).toHaveLength(1);
  expect(await violations(page)).toEqual([]);
  expect(await newReports()).toEqual([]);
  await page.close();
});

test('the widget, embedded by another site, loads and generates under the same policy with no violation', async () => {
  workers.length = 0;
  const host = await context.newPage();
  watch(host);
  await host.goto(`http://a.localhost:${APP_PORT}/examples/embed/?app=${encodeURIComponent(APP)}&ep=wasm`);
  await host.waitForFunction(() => (window as unknown as { client?: unknown }).client !== undefined);
  // The client exists before its iframe has navigated: wait for the widget's frame itself.
  await expect.poll(() => host.frames().some((f) => f.url().startsWith(`${APP}embed.html`))).toBe(true);
  const widget = host.frames().find((f) => f.url().startsWith(`${APP}embed.html`))!;
  await expect(widget.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveCount(1);
  const image = await host.evaluate(async (req) => {
    const client = (window as unknown as { client: import('../src/embed/sdk').SdxlClient }).client;
    await client.ready;
    await client.loadModel('./models/tiny-sdxl/');
    return (await client.imageGen.generateSdxl(req)).images[0]!.imageB64;
  }, REQUEST);
  expect(image.length).toBeGreaterThan(100);
  expect(await violations(host)).toEqual([]);
  expect(await newReports()).toEqual([]);
  await host.close();
});

test('a model source outside connect-src fails at once with an error that names the policy and the way out', async () => {
  const page = await context.newPage();
  watch(page);
  await page.goto(`${APP}?ep=wasm`);
  const started = Date.now();
  const error = await page.evaluate(() => window.sdxl.loadModel('https://mirror.example/models/sdxl/').then(() => 'loaded', (e: Error) => e.message));
  expect(error).toContain('https://mirror.example is not an allowed model source');
  expect(error).toContain('SDXL_CONNECT_SRC');
  expect(Date.now() - started).toBeLessThan(10_000);
  // Refused by the code before any request: the browser had nothing to block.
  expect(await newReports()).toEqual([]);
  await page.close();
});
