// The CLI's run: read and parse the body, load the model as the page does, generate, write the files, print timings.
// Exit codes: 0 done, 1 failed (model or engine), 2 bad input (usage, unreadable file, or the 422 body), 130 cancelled.
import { readFile } from 'node:fs/promises';
import { parseJsonBody } from '../schema/json-body';
import { errorBody, type EngineErrorData } from '../schema/response';
import type { Engine } from '../worker/engine';
import { addAssets } from './cli-assets';
import { parseAssetArg } from './asset-arg';
import type { ModelLoadProgress } from '../worker/protocol';
import type { ProgressEvent } from '../pipeline/progress';
import { parseCliArgs, USAGE } from './cli-args';
import { checkModelDir } from './load-node-model';
import { modelArg } from './model-arg';
import { nodeEngine } from './node-engine';
import { writeOutputs } from './write-outputs';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  /** Calls back on Ctrl+C (SIGINT). */
  onInterrupt(listener: () => void): void;
}

const EXIT = { ok: 0, failed: 1, badInput: 2, cancelled: 130 } as const;

/** The exit code an engine error maps to: its 422s are bad input, a cancel is 130, the rest failures. */
const exitFor = (e: EngineErrorData) => (e.code === 'cancelled' ? EXIT.cancelled : errorBody(e).status === 422 ? EXIT.badInput : EXIT.failed);

function loadProgress(io: CliIo): (p: ModelLoadProgress) => void {
  let last = 0;
  return (p) => {
    if (p.stage === 'session') {
      if (p.received === 0) io.stderr(`session ${p.component}\n`);
    } else if (p.phase === 'downloading' && (Date.now() - last > 1000 || p.received === p.total)) {
      last = Date.now();
      io.stderr(`download ${(p.received / 1e6).toFixed(1)} / ${(p.total / 1e6).toFixed(1)} MB\n`);
    }
  };
}

const generationProgress = (io: CliIo) => (e: ProgressEvent) => {
  const image = e.images > 1 ? ` image ${e.image + 1}/${e.images}` : '';
  io.stderr(e.stage === 'denoise' ? `denoise${image} ${e.step}/${e.steps}\n` : `${e.stage}${image}\n`);
};

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    io.stderr(`${parsed.message ? `${parsed.message}\n\n` : ''}${USAGE}\n`);
    return parsed.message ? EXIT.badInput : EXIT.ok;
  }
  const args = parsed.args;
  let text: string;
  try {
    text = args.request === '-' ? await io.readStdin() : await readFile(args.request, 'utf8');
  } catch (e) {
    io.stderr(`Could not read the request ${args.request}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.badInput;
  }
  const body = parseJsonBody(text);
  if (!body.ok) {
    io.stderr(`${JSON.stringify({ detail: body.detail })}\n`);
    return EXIT.badInput;
  }
  let model;
  try {
    model = await modelArg(args.model);
    if (model.kind === 'folder') await checkModelDir(model.path);
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.badInput;
  }

  let assets;
  try {
    assets = args.asset.map(parseAssetArg);
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.badInput;
  }
  const engine: Engine = nodeEngine({
    provider: args.provider,
    ...(args.graphOpt ? { graphOptimizationLevel: args.graphOpt } : {}),
    ...(model.kind === 'remote' ? { cacheDir: args.cache } : {}),
    assetsDir: args.cache,
  });
  const jobId = 'cli';
  let stage: 'load' | 'generate' = 'load';
  io.onInterrupt(() => {
    io.stderr('Cancelling…\n');
    if (stage === 'load') engine.cancelLoad();
    else engine.cancel(jobId);
  });
  await engine.init({ forceWasm: false, ...(args.hub ? { hubEndpoint: args.hub } : {}) });
  const loaded = await engine.loadModel(model.kind === 'folder' ? model.path : model.ref, loadProgress(io));
  if (!loaded.ok) {
    io.stderr(`${loaded.error.message}\n`);
    return loaded.error.code === 'cancelled' ? EXIT.cancelled : EXIT.failed;
  }
  const added = await addAssets(engine, assets);
  if (added) {
    io.stderr(`${JSON.stringify(errorBody(added).body)}\n`);
    return exitFor(added);
  }
  stage = 'generate';
  const result = await engine.generate(jobId, body.body, generationProgress(io));
  if (!result.ok) {
    io.stderr(`${JSON.stringify(errorBody(result.error).body)}\n`);
    return exitFor(result.error);
  }
  const stats = engine.lastStats();
  const m = loaded.value;
  const timings = {
    provider: args.provider,
    model_load_ms: Math.round(m.load_ms),
    cached: m.cached,
    latency_ms: result.value.latency_ms,
    ...(stats ? {
      text_encode_ms: stats.text_encode_ms, unet_ms_per_call: stats.unet_ms_per_call, vae_decode_ms: stats.vae_decode_ms,
      session_run_ms: stats.session_run_ms, pipeline_overhead_ms: stats.pipeline_overhead_ms,
    } : {}),
  };
  const encoding = (body.body as { image_encoding?: string }).image_encoding === 'jpeg' ? 'jpeg' : 'png';
  const files = await writeOutputs(args.out, result.value, encoding, {
    request: body.body,
    model: { ref: args.model, location: m.location, provider: args.provider, ...(m.record ? { source: m.record.source } : {}), component_bytes: m.componentBytes },
    timings,
  });
  io.stdout(`${JSON.stringify({ ...timings, images: files })}\n`);
  return EXIT.ok;
}
