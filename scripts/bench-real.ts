// `npm run bench:real`: times the real full-size SDXL graphs (the filled skeleton) through the project's pipeline on
// onnxruntime-node (WebGPU via Dawn/Vulkan, or the CPU EP); prints JSON (see README "Performance").
// Each provider runs in its own child process: peak memory is its own, and the Vulkan driver is chosen at start.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureFilled, hasData } from './bench-real/skeleton-data';
import { vulkanEnv } from './bench-real/vulkan-env';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1024' },
    steps: { type: 'string', default: '4' },
    cfg: { type: 'string', default: '1' },
    runs: { type: 'string', default: '2' },
    precision: { type: 'string', default: 'fp16' },
    providers: { type: 'string', default: 'node-webgpu' },
    skeleton: { type: 'string', default: '../shared/fixtures/sdxl-skeleton' },
    data: { type: 'string' },
    // Any Optimum SDXL folder instead of the filled skeleton (e.g. test-data/tiny-sdxl for a quick check of the path).
    model: { type: 'string' },
    'graph-opt': { type: 'string' },
    vulkan: { type: 'string', default: 'auto' },
    mode: { type: 'string', default: 'auto' },
    'no-unet': { type: 'boolean', default: false },
    // chromium-webgpu: the components loaded at real size (default: every filled one but the UNet).
    'chromium-real': { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    'json-out': { type: 'string' },
    child: { type: 'string' },
    'child-out': { type: 'string' },
  },
});

const fail = (msg: string): never => {
  console.error(`bench:real: ${msg}`);
  process.exit(2);
};
const size = Number(values.size);
const steps = Number(values.steps);
const runs = Number(values.runs);
const cfgs = values.cfg.split(',').map(Number);
const precision = values.precision;
if (!Number.isInteger(size) || size < 64 || size % 64) fail(`--size must be a multiple of 64 (got ${values.size})`);
if (!Number.isInteger(steps) || steps < 1) fail(`--steps must be a positive integer (got ${values.steps})`);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer (got ${values.runs})`);
if (cfgs.some((g) => !Number.isFinite(g) || g < 0)) fail(`--cfg must be numbers ≥ 0, comma-separated (got ${values.cfg})`);
if (precision !== 'fp16' && precision !== 'fp32') fail(`--precision must be fp16 or fp32 (got ${precision})`);
if (!['auto', 'full', 'stages', 'profile'].includes(values.mode)) fail(`--mode must be auto, full, stages or profile (got ${values.mode})`);
if (values.mode === 'profile' && (values['no-unet'] || values['no-profile'])) fail('--mode profile profiles the UNet: not with --no-unet or --no-profile');
const providers = values.providers.split(',').filter(Boolean);
for (const p of providers) {
  if (!['node-webgpu', 'node-cpu', 'chromium-webgpu'].includes(p)) fail(`unknown provider "${p}" (node-webgpu, node-cpu, chromium-webgpu)`);
  if (p === 'chromium-webgpu' && precision !== 'fp32') fail('chromium-webgpu needs --precision fp32: SwiftShader has no shader-f16, so the fp16 graphs cannot load there');
  if (p === 'chromium-webgpu' && values.model) fail('chromium-webgpu loads the filled skeleton (--data), not --model');
}
const skeleton = resolve(values.skeleton);
const dataDir = values.model ? resolve(values.model) : resolve(values.data ?? join(tmpdir(), 'sdxl-skeleton-data'), precision);
const OPT_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
type OptLevel = (typeof OPT_LEVELS)[number];
if (values['graph-opt'] && !OPT_LEVELS.includes(values['graph-opt'] as OptLevel)) fail(`--graph-opt must be one of ${OPT_LEVELS.join(', ')}`);
// The CPU EP keeps fp32 copies of fp16 weights at 'all' (≈ 2.4× the data in RSS; skeleton README): 'basic' there.
const graphOpt = (p: string): OptLevel => (values['graph-opt'] as OptLevel | undefined) ?? (p === 'node-cpu' && precision === 'fp16' ? 'basic' : 'all');

if (values.child) {
  // Child: one Node provider, result written to --child-out.
  const provider = values.child === 'node-cpu' ? 'cpu' : 'webgpu';
  const withUnet = !values['no-unet'] && (values.model !== undefined || hasData(dataDir, 'unet', skeleton, precision));
  const mode = values.mode === 'auto' ? (withUnet ? 'full' : 'stages') : values.mode;
  const config = { dir: dataDir, provider, graphOptimizationLevel: graphOpt(values.child), size, steps, cfgs, runs, profile: !values['no-profile'] } as const;
  const result = mode === 'full'
    ? await (await import('./bench-real/node-bench')).benchNode(config)
    : mode === 'profile'
      ? await (await import('./bench-real/node-bench')).benchUnetProfileOnly(config)
      : await (await import('./bench-real/stages-bench')).benchStages({ ...config, profile: false });
  writeFileSync(values['child-out']!, JSON.stringify(result));
  process.exit(0);
}

const log = (s: string) => console.error(`bench:real: ${s}`);
if (!values.model && !existsSync(join(skeleton, precision, 'manifest.json'))) fail(`no skeleton at ${skeleton}/${precision} (--skeleton DIR)`);
if (values.model && !existsSync(join(dataDir, 'model_index.json'))) fail(`--model ${values.model} has no model_index.json`);
// Chromium loads the real UNet never (one 10.3 GB external-data file; see chromium-load.ts): its data is not needed for it.
const nodeProviders = providers.filter((p) => p !== 'chromium-webgpu');
const components = ['text_encoder', 'text_encoder_2', 'vae_decoder', 'vae_encoder', ...(values['no-unet'] || !nodeProviders.length ? [] : ['unet'])];
const filled = values.model ? [] : ensureFilled(skeleton, precision, dataDir, components, log);

const ortVersion = (() => {
  try {
    return (JSON.parse(readFileSync(resolve('node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();
const result: Record<string, unknown> = {
  request: { size, steps, cfg: cfgs, precision, runs, sampler: 'K_EULER', prompt: 'a lighthouse on a cliff at sunset' },
  machine: { node: process.version, onnxruntime_node: ortVersion, cpus: cpus().length, cpu: cpus()[0]?.model, mem_gb: Math.round(totalmem() / 2 ** 30) },
  data: { dir: dataDir, ...(values.model ? { model: 'given folder (--model), not the skeleton' } : { filled_now: filled }) },
  providers: {} as Record<string, unknown>,
};
const out = result.providers as Record<string, unknown>;

for (const provider of providers) {
  if (provider === 'chromium-webgpu') {
    // In this process: it drives a browser, and its memory is the browser's (measured per process there).
    const t0 = performance.now();
    const { benchChromiumLoad, chromiumRealComponents } = await import('./bench-real/chromium-load');
    const entry = await benchChromiumLoad({
      skeleton: join(skeleton, precision), data: dataDir, real: values['chromium-real']?.split(',').filter(Boolean) ?? chromiumRealComponents(dataDir), standIn: resolve('test-data/tiny-sdxl'),
      port: 4176 + Number(process.env.E2E_PORT_OFFSET ?? 0),
    }, log).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
    out[provider] = { ...entry, wall_s: Math.round((performance.now() - t0) / 100) / 10 };
    continue;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'bench-real-'));
  const childOut = join(tmp, 'result.json');
  const { env, vulkan } = provider === 'node-webgpu' ? vulkanEnv(values.vulkan) : { env: process.env, vulkan: undefined };
  log(`${provider}: ${size}×${size}, ${steps} steps, cfg ${cfgs.join(',')}, ${precision}${vulkan ? `, Vulkan ${vulkan}` : ''}`);
  const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--child', provider, '--child-out', childOut];
  const t0 = performance.now();
  const code = await new Promise<number | null>((done) => {
    spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'inherit'] }).on('exit', (c, signal) => done(c ?? (signal ? 128 : 1)));
  });
  const entry = existsSync(childOut) ? JSON.parse(readFileSync(childOut, 'utf8')) as Record<string, unknown> : { error: `child exited with ${code} and no result` };
  out[provider] = { ...(vulkan ? { vulkan } : {}), ...entry, wall_s: Math.round((performance.now() - t0) / 100) / 10 };
  rmSync(tmp, { recursive: true, force: true });
}

const json = JSON.stringify(result, null, 2);
if (values['json-out']) writeFileSync(values['json-out'], json);
console.log(json);
// vite's preview server and esbuild's service (chromium-webgpu) would keep the process alive.
process.exit(0);
