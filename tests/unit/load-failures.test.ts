// Load failures carry their cause's code and data (quota, layout, integrity, network), and loads stop on their AbortSignal.
import { describe, expect, it } from 'vitest';
import { DownloadError } from '../../src/runtime/download-file';
import { LayoutError, QuotaError } from '../../src/runtime/model-cache';
import { ModelFileError } from '../../src/runtime/model-files';
import { RunClock } from '../../src/runtime/ort-runner';
import { ERROR_STATUS, errorBody } from '../../src/schema/response';
import { loadFailure } from '../../src/worker/engine-errors';
import { loadModel } from '../../src/worker/model-loader';
import type { ModelLibrary } from '../../src/worker/model-library';

describe('load failure codes', () => {
  it('storage full → quota, with the bytes needed and available (507)', () => {
    const e = loadFailure(new QuotaError(5e9, 1e9), 'big-model');
    expect(e).toMatchObject({ code: 'quota', data: { neededBytes: 5e9, availableBytes: 1e9 } });
    expect(e.message).toContain('big-model');
    expect(errorBody(e).status).toBe(507);
  });

  it('a folder that is no SDXL export → layout, with the missing files', () => {
    expect(loadFailure(new LayoutError(['unet/model.onnx', 'vae_decoder/config.json'], 'my-folder'), 'x'))
      .toMatchObject({ code: 'layout', data: { missing: ['unet/model.onnx', 'vae_decoder/config.json'] } });
    expect(loadFailure(new DownloadError('unet/model.onnx', 'missing at the source (HTTP 404)', 'missing'), 'x'))
      .toMatchObject({ code: 'layout', data: { missing: ['unet/model.onnx'] } });
    expect(loadFailure(new ModelFileError('tokenizer/vocab.json', 'tokenizer/vocab.json: HTTP 404 from http://x/'), 'x'))
      .toMatchObject({ code: 'layout', data: { missing: ['tokenizer/vocab.json'], status: 404 } });
  });

  it('a file whose hash or size is wrong → integrity, with its path', () => {
    expect(loadFailure(new DownloadError('unet/model.onnx_data', 'SHA-256 mismatch', 'integrity'), 'x'))
      .toMatchObject({ code: 'integrity', data: { path: 'unet/model.onnx_data' } });
  });

  it('a file that cannot be fetched → network, with its path and status', () => {
    expect(loadFailure(new DownloadError('unet/model.onnx', 'failed after 6 attempts', 'network'), 'x')).toMatchObject({ code: 'network', data: { path: 'unet/model.onnx' } });
    expect(loadFailure(new ModelFileError('unet/model.onnx', 'unet/model.onnx: HTTP 503 from http://x/'), 'x')).toMatchObject({ code: 'network', data: { path: 'unet/model.onnx', status: 503 } });
    expect(loadFailure(new TypeError('Failed to fetch'), 'x')).toMatchObject({ code: 'network' });
  });

  it('anything else stays model_load_failed; out of memory stays out_of_memory', () => {
    expect(loadFailure(new Error('protobuf parsing failed'), 'x').code).toBe('model_load_failed');
    expect(loadFailure(new Error('Failed to allocate memory for buffer'), 'x').code).toBe('out_of_memory');
    for (const code of ['quota', 'layout', 'integrity', 'network'] as const) expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(500);
  });
});

describe('loads take an AbortSignal', () => {
  it('an abort during the download cancels the library and no session is made', async () => {
    let cancelled = 0;
    let release: () => void = () => undefined;
    const library = {
      cancel: () => { cancelled++; release(); },
      resolve: () => new Promise((_, reject) => { release = () => reject(new DownloadError('unet/model.onnx', 'cancelled', 'cancelled')); }),
    } as unknown as ModelLibrary;
    const abort = new AbortController();
    const ctx = { library, adapter: { provider: 'wasm' } as never, ort: {} as never, ortBuild: 'node', clock: new RunClock(), graphCapture: false, onSession: () => undefined, now: () => 0 };
    const load = loadModel(ctx, 'http://example.test/model/', undefined, abort.signal);
    abort.abort();
    await expect(load).rejects.toMatchObject({ kind: 'cancelled' });
    expect(cancelled).toBe(1);
  });
});
