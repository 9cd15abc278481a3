// Shrunk counterexamples from the fuzz of model files (.onnx, sdxl-web.json, Hub listings), kept as plain tests: each
// failed before its fix.
import { describe, expect, it } from 'vitest';
import { externalDataFiles } from '../../src/runtime/onnx-external-data';
import { concatBytes, scanFields } from '../../src/runtime/protobuf';

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
