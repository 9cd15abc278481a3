// Property tests over what a model source sends about itself: sdxl-web.json and the Hub's file listing. Each is
// accepted into limits and files the app can use, or refused with an Error; nothing else escapes.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubError, parseHubModelInfo } from '../../src/runtime/hub';
import { MAX_OUTPUT_SIDE, manifestLimits, parseWebManifest } from '../../src/schema/model-manifest';
import { sizeAllowed } from '../../src/schema/sizes';
import { fuzzParams, reportCounts } from './fuzz-config';
import { modelDir } from './reference';

const CASES = 3_000;

const realManifest = JSON.parse(readFileSync(`${modelDir}sdxl-web.json`, 'utf8')) as Record<string, unknown>;
const side = fc.oneof(fc.integer({ min: -16, max: 5000 }).map((n) => n * 8), fc.integer({ min: -10, max: 10_000 }), fc.constantFrom(0, 8, 4096, 4104, 1e9, NaN, Infinity, 1.5, '64', null));
/** Near-valid manifests (numbers around the rules' edges), the real one mutated, and any JSON at all. */
const manifest = fc.oneof(
  fc.record({
    name: fc.option(fc.oneof(fc.string(), fc.string({ minLength: 190, maxLength: 210 }), fc.integer()), { nil: undefined }),
    sizes: fc.option(fc.oneof(fc.record({ min: side, max: side, multiple: side }), fc.jsonValue()), { nil: undefined }),
    default_size: fc.option(fc.oneof(fc.tuple(side, side), fc.array(side, { maxLength: 3 }), fc.jsonValue()), { nil: undefined }),
  }, { requiredKeys: [] }),
  fc.tuple(fc.constantFrom('name', 'sizes', 'default_size', 'extra'), fc.jsonValue()).map(([k, v]) => ({ ...realManifest, [k]: v })),
  fc.jsonValue(),
);

describe('sdxl-web.json fuzz', () => {
  it(`accepts only manifests whose size rule and default size a request can use (${CASES} cases)`, () => {
    const counts = { accepted: 0, refused: 0 };
    fc.assert(fc.property(manifest, (json) => {
      let m;
      try {
        m = parseWebManifest(json);
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith('sdxl-web.json is not valid')) throw e;
        counts.refused++;
        return;
      }
      counts.accepted++;
      const { sizeRule, defaultSize } = manifestLimits(m);
      if (sizeRule.kind === 'range') {
        expect(sizeRule.min).toBeLessThanOrEqual(sizeRule.max);
        expect(sizeRule.max).toBeLessThanOrEqual(MAX_OUTPUT_SIDE);
        expect(sizeRule.multiple % 8).toBe(0);
      }
      // The size a request without width and height gets must be one the model accepts.
      expect(sizeAllowed(sizeRule, defaultSize[0], defaultSize[1]), `default ${defaultSize.join('×')} for ${JSON.stringify(json)}`).toBe(true);
    }), fuzzParams(CASES));
    reportCounts('sdxl-web.json', { cases: CASES, ...counts });
    expect(counts.accepted).toBeGreaterThan(CASES / 20);
    expect(counts.refused).toBeGreaterThan(CASES / 20);
  });
});

const HUB = 'https://hub.example';
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const path = fc.oneof(
  fc.constantFrom('model_index.json', 'unet/model.onnx', 'unet/model.onnx_data', 'onnx/unet/model.onnx', 'README.md'),
  fc.constantFrom('../evil', 'onnx/../../evil', '/etc/passwd', 'a//b', 'C:\\x', 'https://evil.example/x', 'onnx/./x', ''),
  fc.string({ maxLength: 40 }),
);
const size = fc.oneof(fc.nat(), fc.constantFrom(0, 1_900_000_000, 2 ** 53, -1, 1.5, NaN, Infinity, '12', null));
/** Mostly well-formed entries (as the Hub sends them), some with one bad field, some not entries at all. */
const goodSibling = fc.record({
  rfilename: fc.constantFrom('model_index.json', 'unet/model.onnx', 'unet/model.onnx_data', 'onnx/unet/model.onnx', 'onnx/vae_decoder/model.onnx', 'README.md'),
  size: fc.nat(),
  blobId: hex(40),
  lfs: fc.oneof(fc.constant(undefined), fc.constant(null), fc.record({ sha256: hex(64), size: fc.nat({ max: 2 ** 40 }) })),
}, { requiredKeys: ['rfilename'] });
const sibling = fc.oneof(
  { weight: 12, arbitrary: goodSibling },
  { weight: 3, arbitrary: fc.tuple(goodSibling, fc.constantFrom('rfilename', 'size', 'blobId', 'lfs'), fc.oneof(path, size, fc.jsonValue())).map(([g, k, v]) => ({ ...g, [k]: v })) },
  { weight: 1, arbitrary: fc.jsonValue() },
);
const listing = fc.oneof(
  { weight: 6, arbitrary: fc.record({ sha: fc.oneof(hex(40), fc.string(), fc.jsonValue()), siblings: fc.array(sibling, { maxLength: 8 }) }, { requiredKeys: ['siblings'] }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);

describe('Hub listing fuzz', () => {
  it(`reads a listing into safe file entries or refuses it with a HubError (${CASES} cases)`, () => {
    const counts = { accepted: 0, refused: 0, files: 0 };
    fc.assert(fc.property(listing, fc.constantFrom('', 'onnx'), (json, subfolder) => {
      let parsed;
      try {
        parsed = parseHubModelInfo(json, HUB, 'o/m', 'main', subfolder);
      } catch (e) {
        if (!(e instanceof HubError)) throw e;
        counts.refused++;
        return;
      }
      counts.accepted++;
      expect(parsed.commit === 'main' || /^[0-9a-f]{40}$/.test(parsed.commit)).toBe(true);
      for (const f of parsed.files) {
        counts.files++;
        // A plain relative path inside the model folder: no "..", no absolute path, no URL, no empty segment.
        expect(f.path.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\\')), f.path).toBe(true);
        expect(f.url.startsWith(`${HUB}/o/m/resolve/${parsed.commit}/`)).toBe(true);
        if (f.size !== undefined) expect(Number.isSafeInteger(f.size) && f.size >= 0, String(f.size)).toBe(true);
        if (f.sha256 !== undefined) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (f.gitSha1 !== undefined) expect(f.gitSha1).toMatch(/^[0-9a-f]{40}$/);
      }
    }), fuzzParams(CASES));
    reportCounts('hub-listing', { cases: CASES, ...counts });
    expect(counts.accepted).toBeGreaterThan(CASES / 20);
    expect(counts.files).toBeGreaterThan(CASES / 10);
  });
});
