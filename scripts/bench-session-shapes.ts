// `npm run bench:shapes`: what static shapes (freeDimensionOverrides) and graph capture buy, at the session level, on
// the tiny UNet. Prints JSON: session creation, first and steady-state call times with and without overrides on the
// wasm EP (Node), and on WebGPU (headless Chromium) per variant: creation, first call, steady call, the CPU time to
// encode one call (session.run with GPU feeds and a GPU output, before the read-back), dispatches and submits per call,
// and whether the outputs equal the plain session's.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import * as ort from 'onnxruntime-web';
import ts from 'typescript';
import { chromiumPath, STATIC_PORT, webgpuArgs } from '../e2e/browser';
import type { VariantResult, VariantSpec } from './session-bench-page';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    latent: { type: 'string', default: '8' },
    batch: { type: 'string', default: '2' },
    model: { type: 'string', default: 'test-data/tiny-sdxl' },
    providers: { type: 'string', default: 'wasm,webgpu' },
    variants: { type: 'string', default: 'dynamic,static,static+capture,dynamic+capture' },
  },
});
const runs = Number(values.runs);
const latent = Number(values.latent);
const batch = Number(values.batch);
const root = join(import.meta.dirname, '..');
const modelDir = join(root, values.model);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const round = (x: number) => Math.round(x * 100) / 100;

/** Deterministic feeds for the UNet at this shape (dims from the graph's fixed sizes). */
async function unetFeeds(): Promise<VariantSpec['feeds']> {
  const s = await ort.InferenceSession.create(join(modelDir, 'unet/model.onnx'));
  const meta = Object.fromEntries(s.inputMetadata.map((m) => [m.name, m.isTensor ? m.shape : []]));
  await s.release();
  const fixed = (name: string, i: number) => meta[name]![i] as number;
  const dims: Record<string, number[]> = {
    sample: [batch, fixed('sample', 1), latent, latent],
    timestep: [],
    encoder_hidden_states: [batch, 77, fixed('encoder_hidden_states', 2)],
    text_embeds: [batch, fixed('text_embeds', 1)],
    time_ids: [batch, 6],
  };
  const feeds: VariantSpec['feeds'] = {};
  for (const [name, d] of Object.entries(dims)) {
    const n = d.reduce((a, b) => a * b, 1);
    feeds[name] = { dims: d, values: Array.from({ length: n }, (_, i) => (name === 'timestep' ? 999 : name === 'time_ids' ? 64 : Math.sin(i * 0.37 + name.length) * 0.5)) };
  }
  return feeds;
}
const overrides = { batch_size: batch, height: latent, width: latent, sequence_length: 77 };

/** wasm EP in Node: creation and call times with and without overrides, alternating (after a warm-up session). */
async function wasmBench(feeds: VariantSpec['feeds']) {
  ort.env.wasm.numThreads = 1;
  const model = await readFile(join(modelDir, 'unet/model.onnx'));
  await (await ort.InferenceSession.create(model, { executionProviders: ['wasm'] })).release(); // wasm start-up, paid once
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ort.Tensor('float32', Float32Array.from(f.values), f.dims)]));
  const m: Record<string, { create: number[]; first: number[]; steady: number[]; diff: number }> = {};
  let reference: Float32Array | undefined;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of ['dynamic', 'static']) {
      const t0 = performance.now();
      const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...(name === 'static' ? { freeDimensionOverrides: overrides } : {}) });
      const e = (m[name] ??= { create: [], first: [], steady: [], diff: 0 });
      e.create.push(performance.now() - t0);
      for (let i = 0; i <= runs; i++) {
        const t = performance.now();
        const r = await s.run(ortFeeds);
        (i === 0 ? e.first : e.steady).push(performance.now() - t);
        const out = r[s.outputNames[0]!]!.data as Float32Array;
        reference ??= out;
        e.diff = Math.max(e.diff, ...out.map((v, k) => Math.abs(v - reference![k]!)));
      }
      await s.release();
    }
  }
  return Object.fromEntries(
    Object.entries(m).map(([k, e]) => [k, {
      create_ms_median: round(median(e.create)), first_call_ms_median: round(median(e.first)), steady_call_ms_median: round(median(e.steady)), max_abs_diff_vs_dynamic: e.diff,
    }]),
  );
}

/** WebGPU in headless Chromium, each variant on a fresh page (its own device and shader cache). */
async function webgpuBench(feeds: VariantSpec['feeds']) {
  // The page's module, type-stripped by TypeScript (a dev dependency already) for the bundler-free page.
  const pageTs = await readFile(join(import.meta.dirname, 'session-bench-page.ts'), 'utf8');
  const pageJs = ts.transpileModule(pageTs, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const ortDist = join(root, 'node_modules/onnxruntime-web/dist');
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (body: string | Buffer, type: string) => res.writeHead(200, { 'content-type': type }).end(body);
    if (path === '/') return send('<!doctype html><title>session bench</title>', 'text/html');
    if (path === '/page.js') return send(pageJs, 'text/javascript');
    const [base, dir] = path.startsWith('/ort/') ? ['/ort/', ortDist] : path.startsWith('/model/') ? ['/model/', modelDir] : [];
    const rel = base ? normalize(path.slice(base.length)) : '..';
    if (!dir || rel.startsWith('..')) return void res.writeHead(404).end();
    readFile(join(dir, rel)).then(
      (b) => send(b, rel.endsWith('.wasm') ? 'application/wasm' : rel.endsWith('mjs') ? 'text/javascript' : 'application/octet-stream'),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(STATIC_PORT, r));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: webgpuArgs });
  const out: Record<string, unknown> = {};
  try {
    let reference: number[] | undefined;
    for (const v of values.variants.split(',')) {
      const page = await browser.newPage();
      page.on('console', (m) => (m.type() === 'warning' || m.type() === 'error') && process.stderr.write(`[${v}] ${m.text()}\n`));
      await page.goto(`http://localhost:${STATIC_PORT}/`);
      page.setDefaultTimeout(0);
      const spec: VariantSpec = {
        modelUrl: '/model/unet/model.onnx', ortUrl: '/ort/ort.jspi.min.mjs', wasmBase: '/ort/',
        overrides: v.startsWith('static') ? overrides : null, capture: v.endsWith('+capture'), feeds, runs: runs + 1,
      };
      // The page's module, by a URL the bundler-free page resolves (a variable, so TypeScript does not look for it).
      const r = await page.evaluate(async ([s, url]) => ((await import(url)) as { runVariant: (s: VariantSpec) => Promise<VariantResult> }).runVariant(s), [spec, '/page.js'] as const);
      await page.close();
      process.stderr.write(`[${v}] ${JSON.stringify({ ...r, output: r.output.length })}\n`);
      reference ??= r.output.length ? r.output : undefined;
      out[v] = {
        create_ms: round(r.create_ms),
        first_call_ms: round(r.call_ms[0] ?? NaN),
        steady_call_ms_median: round(median(r.call_ms.slice(1))),
        unet_encode_cpu_ms: round(median(r.encode_cpu_ms.slice(1))),
        dispatches_per_call: r.dispatches_per_call,
        submits_per_call: r.submits_per_call,
        identical_to_first_variant: reference && r.output.length ? r.output.every((x, i) => x === reference![i]) : null,
        ...(r.error ? { error: r.error } : {}),
      };
    }
  } finally {
    await browser.close();
    server.close();
  }
  return out;
}

const feeds = await unetFeeds();
const result: Record<string, unknown> = { model: values.model, shape: overrides, runs };
const providers = values.providers.split(',');
if (providers.includes('wasm')) result.wasm = await wasmBench(feeds);
if (providers.includes('webgpu')) result.webgpu = await webgpuBench(feeds);
console.log(JSON.stringify(result, null, 2));
