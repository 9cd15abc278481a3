// Loads an SDXL ONNX folder in Hugging Face Optimum's layout into sessions, once, and describes it.
import type { BpeTokenizer } from '../pipeline/clip-tokens';
import { maxClipSkip } from '../pipeline/hidden-states';
import type { SchedulerConfig } from '../pipeline/schedulers';
import type { SdxlComponents } from '../pipeline/generate';
import { manifestLimits, parseWebManifest, type WebManifest } from '../schema/model-manifest';
import { modelIndexSchema, schedulerConfigSchema, tokenizerConfigSchema, tokenizerJsonSchema, vaeConfigSchema } from '../schema/model-files';
import { parseFile } from '../schema/file-check';
import type { z } from 'zod';
import type { InferenceSession } from 'onnxruntime-web';
import type { SizeRule } from '../schema/sizes';
import { createClipTokenizer } from './clip-tokenizer';
import type { ModelFiles } from './model-files';
import { shrinkAttentionBiases } from './onnx-attention-bias';
import { externalDataFiles } from './onnx-external-data';
import { OrtDeviceLoop } from './ort-device-loop';
import type * as OrtModule from 'onnxruntime-web';
import { firstDims, shapeCapacity, type FirstShape } from './load-shape';
import { declaredInputs } from './onnx-input-dims';
import { OrtRunner, type ExecutionProvider, type Ort, type RunClock } from './ort-runner';
import type { SessionCacheEvent } from './session-cache';
import { CapturedSession, capturedSession } from './captured-session';
import { shapeKey, type DimValues } from './session-shapes';
import { ShapedSession, type RunnableSession } from './shaped-session';

export const SESSION_COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'] as const;
export type SessionComponent = (typeof SESSION_COMPONENTS)[number];

export interface LoadProgress {
  component: string;
  file: string;
  received: number;
  total?: number;
}

export interface ModelInfo {
  location: string;
  sizeRule: SizeRule;
  defaultSize: readonly [number, number];
  /** Bytes of each component's .onnx plus external data, as loaded. */
  componentBytes: Record<string, number>;
  hasVaeEncoder: boolean;
  /** The largest clip_skip both text encoders' exported hidden states allow (4 for the tiny model, 11 for SDXL). */
  maxClipSkip: number;
}

export interface LoadedModel {
  components: SdxlComponents;
  info: ModelInfo;
  release(): Promise<void>;
}

/** Session options the loader decides per component (where outputs stay for the device loop); an opener must apply them. */
export interface ComponentSessionOptions {
  preferredOutputLocation?: 'gpu-buffer';
}

/**
 * Opens a component's session its own way (Node: from the file's path, so onnxruntime maps the external data itself
 * and no weight passes through a JS buffer); returns the session and the bytes it loaded.
 */
export type SessionOpener = (files: ModelFiles, component: SessionComponent, options: ComponentSessionOptions) => Promise<{ session: InferenceSession; bytes: number }>;

export interface LoadOptions {
  ort: Ort;
  provider: ExecutionProvider;
  clock: RunClock;
  onProgress?: (p: LoadProgress) => void;
  /**
   * Awaited before each session is created (with its component) and once after the last (undefined): throwing there
   * stops the load, and the sessions already made are released.
   */
  checkpoint?: (next: SessionComponent | undefined) => Promise<void>;
  /** Replaces the default session creation (bytes and Blobs handed to onnxruntime-web); see SessionOpener. */
  openSession?: SessionOpener;
  /**
   * Keep the denoising loop on the device (UNet and VAE outputs stay where they are computed, guidance and the step
   * run as small graphs on the same EP). Default: on WebGPU only; tests turn it on for the CPU EPs.
   */
  deviceLoop?: boolean;

  /** false: sessions with free dims (one per component, any shape). Default: one session per shape (static shapes). */
  staticShapes?: boolean;
  /** The shape the load-time sessions are made for (default: 1024², UNet batch 1, 77 tokens; loadSdxl uses the model's default size). */
  firstShape?: Partial<FirstShape>;
  /** Graph capture for the UNet on WebGPU (per shape; falls back to a plain session where the EP refuses). */
  graphCapture?: boolean;
  /** Told when a per-shape session is created (with how long it took) or released, or capture is refused. */
  onSession?: (e: SessionEvent) => void;
}

export type SessionEvent = { component: SessionComponent } & (SessionCacheEvent | { kind: 'captured'; key: string } | { kind: 'capture-refused'; key: string; message: string });

const DEFAULT_FIRST_SHAPE: FirstShape = { width: 1024, height: 1024, vaeScaleFactor: 8, unetBatch: 1, tokens: 77 };

/** The components whose outputs the device loop consumes on the device. */
const DEVICE_OUTPUTS: readonly SessionComponent[] = ['unet', 'vae_decoder'];

/** On WebGPU with the device loop on, the UNet's and VAE decoder's outputs stay in GPU buffers. */
export function deviceOutputOptions(provider: string, component: SessionComponent, deviceLoop: boolean | undefined): ComponentSessionOptions {
  return provider === 'webgpu' && (deviceLoop ?? true) && DEVICE_OUTPUTS.includes(component) ? { preferredOutputLocation: 'gpu-buffer' } : {};
}

/** A JSON file of the folder, checked against its schema: a bad one is named with its field, before any session. */
export async function checkedJson<S extends z.ZodType>(files: ModelFiles, path: string, schema: S): Promise<z.output<S>> {
  const where = `${files.location}${path}`;
  const json = await files.json<unknown>(path).catch((e: unknown) => {
    throw new Error(`${where} is not valid: ${e instanceof SyntaxError ? `not JSON (${e.message})` : e instanceof Error ? e.message : String(e)}.`);
  });
  return parseFile(schema, json, where);
}

export async function loadTokenizer(files: ModelFiles, dir: string): Promise<BpeTokenizer> {
  const [json, config] = await Promise.all([checkedJson(files, `${dir}/tokenizer.json`, tokenizerJsonSchema), checkedJson(files, `${dir}/tokenizer_config.json`, tokenizerConfigSchema)]);
  return createClipTokenizer(json, config);
}

/** The graph and the external data its graph names (Blobs where the source has them), read from the store. */
async function readComponent(files: ModelFiles, component: SessionComponent, opts: Pick<LoadOptions, 'onProgress'>) {
  const progress = (file: string) => (received: number, total?: number) => opts.onProgress?.({ component, file, received, total });
  const modelPath = `${component}/model.onnx`;
  const stored = await files.bytes(modelPath, progress(modelPath));
  let bytes = stored.length;
  // The same scores without a [batch·heads, L, S] zero tensor per attention (folded at load under static shapes).
  const { model } = shrinkAttentionBiases(stored);
  const externalData = [];
  for (const location of externalDataFiles(model)) {
    const path = `${component}/${location}`;
    const data = files.blob ? await files.blob(path) : await files.bytes(path, progress(path));
    const size = data instanceof Blob ? data.size : data.length;
    if (files.blob) progress(path)(size, size);
    bytes += size;
    externalData.push({ path: location, data });
  }
  return { model, externalData, bytes };
}

/**
 * One component's session. Free dims (batch, sizes, tokens) are fixed per call shape with freeDimensionOverrides
 * (static shapes: shape ops fold away), one session per shape in a bounded cache; the first is made now for the
 * expected shape, so a bad model fails at load. Later shapes read the files again (no weights kept in JS memory).
 */
export async function createComponentSession(files: ModelFiles, component: SessionComponent, opts: LoadOptions): Promise<{ runner: OrtRunner; bytes: number }> {
  const placement = deviceOutputOptions(opts.provider, component, opts.deviceLoop);
  if (opts.openSession) return openedSession(files, component, opts, opts.openSession, placement);
  let read: Awaited<ReturnType<typeof readComponent>> | undefined = await readComponent(files, component, opts);
  const { bytes } = read;
  const sessionOptions = (overrides?: DimValues): OrtModule.InferenceSession.SessionOptions => ({
    executionProviders: [opts.provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: CPU placement of shape ops is expected and not worth a warning
    ...(overrides ? { freeDimensionOverrides: { ...overrides } } : {}),
    ...placement,
  });
  const declared = declaredInputs(read.model);
  const first = opts.staticShapes === false ? undefined : firstDims(component, declared, { ...DEFAULT_FIRST_SHAPE, ...opts.firstShape });
  if (!first) {
    const session = await opts.ort.InferenceSession.create(read.model, { ...sessionOptions(), externalData: read.externalData });
    return { runner: new OrtRunner(opts.ort, session, component, opts.clock), bytes };
  }
  const capture = component === 'unet' && opts.provider === 'webgpu' && opts.graphCapture === true;
  const create = async (dims: DimValues | undefined): Promise<RunnableSession> => {
    const src = read ?? (await readComponent(files, component, {}));
    read = undefined; // the first session's bytes are not kept for the next
    const options = { ...sessionOptions(dims), externalData: src.externalData };
    if (capture && dims) {
      const key = shapeKey(dims);
      const s = await capturedSession(opts.ort, src.model, options, (m) => opts.onSession?.({ component, kind: 'capture-refused', key, message: m }));
      if (s instanceof CapturedSession) opts.onSession?.({ component, kind: 'captured', key });
      return s;
    }
    return opts.ort.InferenceSession.create(src.model, options);
  };
  const session = await ShapedSession.create(declared, first, create, shapeCapacity(bytes), (e) => opts.onSession?.({ component, ...e }));
  return { runner: new OrtRunner(opts.ort, session, component, opts.clock), bytes };
}

/**
 * A session made by the host's opener (Node: from the file's path, so onnxruntime maps the weights itself). Free dims
 * stay free there: the opener is called once per component.
 */
async function openedSession(
  files: ModelFiles, component: SessionComponent, opts: LoadOptions, open: SessionOpener, placement: ComponentSessionOptions,
): Promise<{ runner: OrtRunner; bytes: number }> {
  const { session, bytes } = await open(files, component, placement);
  return { runner: new OrtRunner(opts.ort, session, component, opts.clock), bytes };
}

export async function loadSdxl(files: ModelFiles, opts: LoadOptions): Promise<LoadedModel> {
  await checkedJson(files, 'model_index.json', modelIndexSchema);
  const [schedulerConfig, vaeConfig, manifest, hasVaeEncoder] = await Promise.all([
    checkedJson(files, 'scheduler/scheduler_config.json', schedulerConfigSchema) as Promise<SchedulerConfig>,
    checkedJson(files, 'vae_decoder/config.json', vaeConfigSchema),
    // Optional: what the model declares about itself (its sizes), checked before any session is made.
    files.exists('sdxl-web.json').then(async (ok): Promise<WebManifest> => (ok ? parseWebManifest(await files.json<unknown>('sdxl-web.json'), `${files.location}sdxl-web.json`) : {})),
    files.exists('vae_encoder/model.onnx'),
  ]);
  const [tokenizer, tokenizer2] = await Promise.all([loadTokenizer(files, 'tokenizer'), loadTokenizer(files, 'tokenizer_2')]);

  const blocks = vaeConfig.block_out_channels?.length ?? 4;
  const { sizeRule, defaultSize } = manifestLimits(manifest);
  const [width, height] = defaultSize;
  const sessionOpts: LoadOptions = { ...opts, firstShape: { width, height, vaeScaleFactor: 2 ** (blocks - 1), ...opts.firstShape } };
  const runners: Partial<Record<SessionComponent, OrtRunner>> = {};
  const componentBytes: Record<string, number> = {};
  try {
    // Sessions one after another, so only one component's bytes are held in JS memory at a time.
    for (const component of SESSION_COMPONENTS) {
      // Optional: the public Lightning web exports ship no VAE encoder (text-to-image only).
      if (component === 'vae_encoder' && !hasVaeEncoder) continue;
      await opts.checkpoint?.(component);
      const { runner, bytes } = await createComponentSession(files, component, sessionOpts);
      runners[component] = runner;
      componentBytes[component] = bytes;
    }
    await opts.checkpoint?.(undefined);
  } catch (e) {
    await Promise.all(Object.values(runners).map((r) => r.release()));
    throw e;
  }

  const components: SdxlComponents = {
    tokenizer,
    tokenizer2,
    textEncoder: runners.text_encoder!,
    textEncoder2: runners.text_encoder_2!,
    unet: runners.unet!,
    vaeDecoder: runners.vae_decoder!,
    vaeEncoder: runners.vae_encoder,
    schedulerConfig,
    vaeScalingFactor: vaeConfig.scaling_factor ?? 0.13025,
    latentChannels: vaeConfig.latent_channels ?? 4,
    vaeScaleFactor: 2 ** (blocks - 1),
    vaeShape: { blockOutChannels: vaeConfig.block_out_channels ?? [128, 256, 512, 512], midBlockAttention: vaeConfig.mid_block_add_attention },
  };
  // A captured UNet copies each input into its own buffers (captured-session.ts), so it runs in the device loop too.
  const deviceLoop = (opts.deviceLoop ?? opts.provider === 'webgpu') ? new OrtDeviceLoop(opts.ort, opts.provider, runners.unet!, runners.vae_decoder!, opts.clock) : undefined;
  components.deviceLoop = deviceLoop;
  return {
    components,
    info: {
      location: files.location,
      sizeRule,
      defaultSize,
      componentBytes,
      hasVaeEncoder,
      maxClipSkip: maxClipSkip([components.textEncoder, components.textEncoder2]),
    },
    // The sessions the components hold now (text encoders may have been released and re-created since loading).
    release: async () => {
      const live = [components.textEncoder, components.textEncoder2, components.unet, components.vaeDecoder, components.vaeEncoder];
      await deviceLoop?.release();
      await Promise.all(live.map((r) => (r instanceof OrtRunner ? r.release().catch(() => undefined) : undefined)));
    },
  };
}
