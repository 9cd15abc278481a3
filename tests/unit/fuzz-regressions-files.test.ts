// Shrunk counterexamples from the fuzz of model files (.onnx, sdxl-web.json, Hub listings), kept as plain tests: each
// failed before its fix.
import { describe, expect, it } from 'vitest';
import { HubError, parseHubModelInfo } from '../../src/runtime/hub';
import { externalDataFiles } from '../../src/runtime/onnx-external-data';
import { concatBytes, scanFields } from '../../src/runtime/protobuf';
import { manifestLimits, parseWebManifest } from '../../src/schema/model-manifest';
import { sizeAllowed } from '../../src/schema/sizes';

describe('.onnx fuzz regressions', () => {
  it('refuses a varint longer than 10 bytes instead of reading a NaN or 1e21 field number', () => {
    // Before: 0x80 × 150 then 0x01 summed to NaN (0 × 2^1029), and an 11-byte key gave field 1.18e21; both "parsed".
    const bombs = [concatBytes([new Uint8Array(150).fill(0x80), Uint8Array.of(1)]), concatBytes([new Uint8Array(10).fill(0xff), Uint8Array.of(1, 8)])];
    for (const bytes of bombs) {
      expect(() => scanFields(bytes)).toThrow(/varint longer than 10 bytes/);
      expect(() => externalDataFiles(bytes)).toThrow(Error);
    }
  });

  it('refuses field number 0, which no protobuf message has', () => {
    expect(() => scanFields(Uint8Array.of(0x02, 0x00))).toThrow(/field key/);
  });
});

describe('sdxl-web.json fuzz regressions', () => {
  it('a declared range without default_size defaults to a size inside it, on its multiple', () => {
    // Before: load-sdxl defaulted to 1024×1024 whatever the range, so every request naming no size was refused.
    for (const sizes of [{ min: 64, max: 512, multiple: 8 }, { min: 24, max: 4096, multiple: 24 }]) {
      const { sizeRule, defaultSize } = manifestLimits(parseWebManifest({ sizes }));
      expect(sizeAllowed(sizeRule, defaultSize[0], defaultSize[1]), `${defaultSize.join('×')} for ${JSON.stringify(sizes)}`).toBe(true);
    }
    expect(manifestLimits(parseWebManifest({ sizes: { min: 24, max: 4096, multiple: 24 } })).defaultSize).toEqual([1008, 1008]);
  });

  it("refuses a default_size outside SDXL's sizes when the manifest declares none", () => {
    // Before: {"default_size": [64, 64]} was accepted, and 64×64 is not among the nine sizes the model then takes.
    expect(() => parseWebManifest({ default_size: [64, 64] })).toThrow(/default_size/);
    expect(parseWebManifest({ default_size: [832, 1216] }).default_size).toEqual([832, 1216]);
  });
});

describe('Hub listing fuzz regressions', () => {
  const parse = (json: unknown) => parseHubModelInfo(json, 'https://hub.example', 'o/m', 'main');

  it('refuses paths that leave the model folder instead of listing them as files', () => {
    // Shrunk counterexample: {"siblings":[{"rfilename":"../evil"}]} became a file at "../evil".
    for (const rfilename of ['../evil', 'onnx/../../evil', '/etc/passwd', 'a//b', 'C:\\x', 'https://evil.example/x', '']) {
      expect(() => parse({ siblings: [{ rfilename }] }), rfilename).toThrow(HubError);
    }
    expect(() => parse({ siblings: [{ rfilename: '../evil' }] })).toThrow(/siblings\[0\]\.rfilename/);
  });

  it('refuses entries that are not files, negative sizes and hashes that are not SHA-256, with a HubError', () => {
    // Before: a null entry threw a TypeError, a size of -1 and an lfs.sha256 of "xyz" went through to the download.
    for (const sibling of [null, 7, { rfilename: 'a.onnx', size: -1 }, { rfilename: 'a.onnx', size: 1.5 }, { rfilename: 'a.onnx', lfs: { sha256: 'xyz' } }]) {
      expect(() => parse({ siblings: [sibling] }), JSON.stringify(sibling)).toThrow(HubError);
    }
  });
});
