// `npm run generate` as a user runs it (a child process): images and metadata out, timings on stdout, the page's 422
// body and exit 2 for a bad request, clear errors for a bad model, Hub ids through the cache (offline the second
// time), and Ctrl+C cancelling cleanly.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeHub, serve } from '../../e2e/hub-server';
import { shardModelFolder } from '../../scripts/shard-onnx';
import { validateRequest } from '../../src/schema/validate';
import { decodePng } from './node-model';
import { loadReference, modelDir } from './reference';

const CLI = fileURLToPath(new URL('../../src/node/cli.ts', import.meta.url));
const TINY_LIMITS = { sizeRule: { kind: 'range', min: 64, max: 1024, multiple: 8 }, maxClipSkip: 4 } as const;

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the CLI; `onStderr` sees its progress lines as they come (and may signal it). */
function cli(args: string[], opts: { stdin?: string; onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    opts.onStderr?.(stderr, (s) => child.kill(s));
  });
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const dirs: string[] = [];
const tempDir = async (name: string) => {
  const d = await mkdtemp(join(tmpdir(), `sdxl-cli-${name}-`));
  dirs.push(d);
  return d;
};
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

describe('npm run generate', { timeout: 6 * 60_000 }, () => {
  it('writes <n>.png and <n>.json for a seeded request and prints the timings as JSON', async () => {
    const out = await tempDir('out');
    const body = { prompt: 'a lighthouse at dusk', steps: 2, cfg_scale: 1, seed: [5, 6], num_images: 2 };
    const r = await cli(['-', '--model', modelDir, '--out', out], { stdin: JSON.stringify(body) });
    expect(r.code, r.stderr).toBe(0);
    const timings = JSON.parse(r.stdout);
    expect(timings).toMatchObject({ provider: 'cpu', cached: false, images: [join(out, '0.png'), join(out, '1.png')] });
    expect(timings.unet_ms_per_call).toHaveLength(4);
    for (const k of ['model_load_ms', 'text_encode_ms', 'vae_decode_ms', 'session_run_ms', 'pipeline_overhead_ms']) expect(timings[k]).toBeGreaterThan(0);
    expect((await readdir(out)).sort()).toEqual(['0.json', '0.png', '1.json', '1.png']);
    const meta = JSON.parse(readFileSync(join(out, '1.json'), 'utf8'));
    expect(meta).toMatchObject({ request: body, seed: 6, width: 64, height: 64, model: { ref: modelDir, provider: 'cpu' }, timings: { provider: 'cpu' } });
    expect(decodePng(readFileSync(join(out, '0.png')).toString('base64'))).toMatchObject({ width: 64, height: 64 });
    // Seeds are per image: the two images differ.
    expect(readFileSync(join(out, '0.png')).equals(readFileSync(join(out, '1.png')))).toBe(false);
  });

  it('--asset adds a LoRA and a VAE to the library in --cache (once); the request names them and gets diffusers\' image', async () => {
    const cache = await tempDir('cache');
    const assets = join(modelDir, '../tiny-sdxl-assets/');
    const reqs = JSON.parse(readFileSync(join(assets, 'reference/requests.json'), 'utf8')) as { cases: { name: string; request: Record<string, unknown> }[] };
    const ref = loadReference('assets', join(assets, 'reference/'));
    const flags = ['--asset', `lora:tiny-kohya=${join(assets, 'loras/lora_kohya.safetensors')}`, '--asset', `vae:tiny-vae-alt=${join(assets, 'vae_alt')}`];
    for (const name of ['lora_kohya_w100_seed7', 'vae_alt_seed7']) {
      const out = await tempDir('out');
      const c = reqs.cases.find((x) => x.name === name)!;
      const r = await cli(['-', '--model', modelDir, '--out', out, '--cache', cache, ...flags], { stdin: JSON.stringify(c.request) });
      expect(r.code, r.stderr).toBe(0);
      const png = decodePng(readFileSync(join(out, '0.png')).toString('base64'));
      const want = ref.tensor(`${name}/image_uint8`).data as Uint8Array;
      let worst = 0;
      for (let p = 0; p < 64 * 64; p++) for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(png.rgba[p * 4 + ch]! - want[p * 3 + ch]!));
      expect(worst, name).toBeLessThanOrEqual(1);
    }
    // The library keeps one copy of each asset across runs.
    expect((await readdir(join(cache, 'assets'))).filter((d) => d !== 'index.json').sort()).toEqual(['tiny-kohya', 'tiny-vae-alt']);
    const bad = await cli(['-', '--model', modelDir, '--out', await tempDir('out'), '--asset', 'lora:bad name=x'], { stdin: '{}' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--asset lora:bad name=x');
  });

  it("prints the page's 422 body for a bad field and exits 2, writing nothing", async () => {
    const out = await tempDir('bad');
    const file = join(out, 'req.json');
    const body = { prompt: 'x', width: 1004, height: 64, steps: 0 };
    await writeFile(file, JSON.stringify(body));
    const r = await cli([file, '--model', modelDir, '--out', join(out, 'images')]);
    expect(r.code).toBe(2);
    const v = validateRequest(body, TINY_LIMITS, [64, 64]);
    expect(v.ok).toBe(false);
    const printed = JSON.parse(r.stderr.trim().split('\n').pop()!);
    expect(printed).toEqual({ detail: !v.ok && v.detail });
    expect(printed.detail.map((d: { loc: string[] }) => d.loc)).toEqual([['body', 'steps'], ['body', 'width']]);
    expect(existsSync(join(out, 'images'))).toBe(false);
  });

  it('answers a body that is not JSON with the 422 json_invalid body and exit 2, before loading anything', async () => {
    const r = await cli(['-', '--model', '/nonexistent-model', '--out', '/tmp/never'], { stdin: '{"prompt": ' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({ detail: [expect.objectContaining({ loc: ['body'], type: 'json_invalid' })] });
  });

  it('says clearly when the model folder is missing or not an SDXL folder', async () => {
    const body = JSON.stringify({ prompt: 'x' });
    const missing = await cli(['-', '--model', './no/such/folder', '--out', '/tmp/never'], { stdin: body });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--model ./no/such/folder: no such folder');
    const empty = await tempDir('empty');
    const invalid = await cli(['-', '--model', empty, '--out', '/tmp/never'], { stdin: body });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Could not load .*model_index\.json/);
  });

  it('refuses bad flags by name with the usage', async () => {
    const r = await cli(['-', '--model', modelDir, '--out', '/tmp/never', '--provider', 'cuda'], { stdin: '{}' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--provider: .*"cpu"\|"webgpu"|--provider: .*cpu.*webgpu/);
    expect(r.stderr).toContain('Usage: npm run generate');
  });

  it('downloads a Hub repo id into the cache (sharded weights included), then runs from it with the Hub gone', async () => {
    const sharded = await tempDir('sharded');
    await shardModelFolder(modelDir, sharded, 3_000_000, ['unet', 'text_encoder_2']);
    const hub = await FakeHub.fromFolders({ 'test/tiny-sdxl-sharded': sharded });
    const port = await freePort();
    const close = await serve(hub, port);
    const cache = await tempDir('cache');
    const body = JSON.stringify({ prompt: 'a red barn', steps: 1, cfg_scale: 1, seed: 3 });
    const first = await cli(['-', '--model', 'test/tiny-sdxl-sharded', '--hub', `http://127.0.0.1:${port}`, '--cache', cache, '--out', await tempDir('hub1')], { stdin: body }).finally(close);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ cached: true });
    expect(hub.bytesSent()).toBeGreaterThan(20e6);
    const shards = (await readdir(cache, { recursive: true })).filter((p) => p.includes('unet/model.onnx_data'));
    expect(shards.length).toBeGreaterThan(1);
    // The Hub is closed now: the second run must not need it.
    const out2 = await tempDir('hub2');
    const second = await cli(['-', '--model', 'test/tiny-sdxl-sharded', '--hub', `http://127.0.0.1:${port}`, '--cache', cache, '--out', out2], { stdin: body });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('download');
    const meta = JSON.parse(readFileSync(join(out2, '0.json'), 'utf8'));
    expect(meta.model.source).toMatchObject({ kind: 'hub', repo: 'test/tiny-sdxl-sharded', endpoint: `http://127.0.0.1:${port}` });
  });

  it('cancels on Ctrl+C (SIGINT) between UNet calls: exit 130, the message, no files', async () => {
    const out = await tempDir('sigint');
    let sent = false;
    const r = await cli(['-', '--model', modelDir, '--out', out], {
      stdin: JSON.stringify({ prompt: 'x', steps: 12, cfg_scale: 3, seed: 1 }),
      onStderr: (text, kill) => {
        if (!sent && text.includes('denoise 2/')) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Generation was cancelled.');
    expect(r.stderr).not.toContain('denoise 12/12');
    expect(await readdir(out)).toEqual([]);
  });
});
