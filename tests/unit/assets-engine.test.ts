// Every case of tiny-sdxl-assets' reference/requests.json through the engine, with its assets added to the engine's
// asset library the way the page adds them: LoRAs fused, the textual inversion grown in, the other VAE, the refiner.
// Images equal diffusers' within one uint8 step; unmatched LoRA keys are warnings; unknown names are field errors.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/runtime/byte-store';
import { AssetStore } from '../../src/runtime/asset-store';
import { nodeEngine as nodeCpuEngine } from '../../src/node/node-engine';
import { Engine } from '../../src/worker/engine';
import { decodePng, nodeEngineDeps, TEST_RUNNER } from './node-model';
import { loadReference, modelDir, testDataDir } from './reference';
import { pickedFolder } from './picked-folder';

const ASSETS = `${testDataDir}tiny-sdxl-assets/`;
const ref = loadReference('assets', `${ASSETS}reference/`);
const requests = JSON.parse(readFileSync(`${ASSETS}reference/requests.json`, 'utf8')) as { cases: { name: string; request: Record<string, unknown> }[] };

/** A folder of the assets fixture, picked in the page. */
const picked = (dir: string) => pickedFolder(ASSETS, dir);

const file = (path: string, bytes: Uint8Array = readFileSync(join(ASSETS, path))) => new File([bytes as Uint8Array<ArrayBuffer>], path.split('/').pop()!);

/** A safetensors file with one more tensor (a key no SDXL module has). */
function withExtraKey(bytes: Uint8Array, key: string): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets?: [number, number] }>;
  const data = bytes.subarray(8 + n);
  header[key] = { dtype: 'F32', shape: [1, 1], data_offsets: [data.length, data.length + 4] } as never;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const out = new Uint8Array(8 + json.length + data.length + 4);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  out.set(data, 8 + json.length);
  return out;
}

async function engineWithAssets(): Promise<Engine> {
  if (TEST_RUNNER === 'ort-node-cpu') return nodeCpuEngine({ provider: 'cpu', randomSeed: () => 1, assetsDir: await mkdtemp(join(tmpdir(), 'assets-')) });
  return new Engine({
    ...nodeEngineDeps(),
    assets: () => {
      const store = memoryStore();
      const offline = (async () => { throw new TypeError('fetch failed: offline'); }) as typeof fetch;
      return { store: new AssetStore({ store, fetch: offline, now: () => Date.now() }), bytes: store };
    },
  });
}

describe(`assets through the engine (${TEST_RUNNER})`, () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await engineWithAssets();
    expect((await engine.loadModel(modelDir)).ok).toBe(true);
    const adds = [
      { kind: 'lora', name: 'tiny-kohya', source: file('loras/lora_kohya.safetensors') },
      { kind: 'lora', name: 'tiny-diffusers', source: file('loras/lora_diffusers.safetensors') },
      { kind: 'textual_inversion', name: 'tiny-style', source: file('textual_inversions/ti_sdxl.safetensors') },
      { kind: 'vae', name: 'tiny-vae-alt', source: picked('vae_alt') },
      { kind: 'refiner', name: 'tiny-refiner', source: picked('refiner') },
    ];
    for (const a of adds) {
      const r = await engine.addAsset(a);
      expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true);
    }
  }, 300_000);

  for (const c of requests.cases) {
    it(`${c.name}: the image equals diffusers' within one uint8 step`, async () => {
      const r = await engine.generate(c.name, c.request);
      expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true);
      if (!r.ok) return;
      expect(r.value.warnings).toBeUndefined();
      const png = decodePng(r.value.images[0]!.image_b64);
      const want = ref.tensor(`${c.name}/image_uint8`).data as Uint8Array;
      let worst = 0;
      for (let p = 0; p < 64 * 64; p++) for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(png.rgba[p * 4 + ch]! - want[p * 3 + ch]!));
      expect(worst, c.name).toBeLessThanOrEqual(1);
    });
  }

  it('the same LoRA set again is not fused again; another weight is (and the images differ)', async () => {
    const body = { ...requests.cases[0]!.request };
    await engine.generate('w0', body);
    await engine.generate('w1', body);
    expect((await engine.lastStats())?.asset_ms).toBe(0);
    const other = await engine.generate('w2', { ...body, loras: { 'tiny-kohya': 0.5 } });
    expect(other.ok).toBe(true);
    expect((await engine.lastStats())?.asset_ms).toBeGreaterThan(0);
  });

  it('LoRA keys that match no module are warnings by name; the run goes on', async () => {
    const bytes = withExtraKey(readFileSync(join(ASSETS, 'loras/lora_kohya.safetensors')), 'lora_unet_time_embed_0.lora_down.weight');
    expect((await engine.addAsset({ kind: 'lora', name: 'kohya-extra', source: file('kohya-extra.safetensors', bytes) })).ok).toBe(true);
    const r = await engine.generate('x1', { ...requests.cases[0]!.request, loras: { 'kohya-extra': 1 } });
    expect(r.ok && r.value.warnings).toEqual([expect.stringContaining('lora_unet_time_embed_0.lora_down.weight')]);
  });

  it('unknown asset names are field errors listing what the library holds; a deleted asset is unknown', async () => {
    const r = await engine.generate('u1', { prompt: 'x', width: 64, height: 64, steps: 1, vae: 'nope', loras: { ghost: 1 }, textual_inversions: { ghost: '<g>' } });
    expect(!r.ok && r.error.code).toBe('invalid_request');
    const detail = !r.ok ? r.error.detail! : [];
    expect(detail.map((d) => d.loc)).toEqual([['body', 'vae'], ['body', 'textual_inversions', 'ghost'], ['body', 'loras', 'ghost']]);
    expect(detail.every((d) => d.type === 'unknown_name')).toBe(true);
    expect(detail[0]!.msg).toContain('"tiny-vae-alt"');
    expect((await engine.deleteAsset('tiny-vae-alt')).ok).toBe(true);
    const gone = await engine.generate('u2', { prompt: 'x', width: 64, height: 64, steps: 1, vae: 'tiny-vae-alt' });
    expect(!gone.ok && gone.error.detail![0]).toMatchObject({ loc: ['body', 'vae'], type: 'unknown_name' });
    const listed = await engine.listAssets();
    expect(listed.ok && listed.value.map((a) => a.name)).not.toContain('tiny-vae-alt');
  });
});
