// The status chip's short model name: folder URLs, paths and stored locations by their last segment; names as they are.
import { describe, expect, it } from 'vitest';
import { shortName } from '../../src/ui/shell/model-watch';

describe('shortName', () => {
  it('shortens a folder URL, a path and a stored location to the folder name', () => {
    expect(shortName('http://localhost:4173/models/tiny-sdxl/')).toBe('tiny-sdxl');
    expect(shortName('/models/tiny-sdxl/')).toBe('tiny-sdxl');
    expect(shortName('./models/tiny-sdxl')).toBe('tiny-sdxl');
    expect(shortName('cache:local-tiny-sdxl/')).toBe('local-tiny-sdxl');
    expect(shortName('local:tiny-sdxl/')).toBe('tiny-sdxl');
  });
  it('keeps record names and Hub repo ids whole', () => {
    expect(shortName('SDXL-Lightning 4-step (fp16 ONNX web export)')).toBe('SDXL-Lightning 4-step (fp16 ONNX web export)');
    expect(shortName('owner/name@main')).toBe('owner/name@main');
  });
});
