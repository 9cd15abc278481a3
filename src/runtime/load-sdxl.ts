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
import { externalDataFiles } from './onnx-external-data';
import { OrtDeviceLoop } from './ort-device-loop';
import { OrtRunner, type ExecutionProvider, type Ort, type RunClock } from './ort-runner';

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

/**
 * Opens a component's session its own way (Node: from the file's path, so onnxruntime maps the external data itself
 * and no weight passes through a JS buffer); returns the session and the bytes it loaded.
 */
export type SessionOpener = (files: ModelFiles, component: SessionComponent, extra: DeviceOutputOptions) => Promise<{ session: InferenceSession; bytes: number }>;

/** Session options the device loop needs from a component's session: its outputs left on the GPU. */
export interface DeviceOutputOptions {
  preferredOutputLocation?: 'gpu-buffer';
}

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
  /**
   * Keep the denoising loop on the device (UNet and VAE outputs stay where they are computed, guidance and the step
   * run as small graphs on the same EP). Default: on WebGPU only; tests turn it on for the CPU EPs.
   */
  deviceLoop?: boolean;
  /** Replaces the default session creation (bytes and Blobs handed to onnxruntime-web); see SessionOpener. */
  openSession?: SessionOpener;
}

/** The components whose outputs the device loop consumes on the device. */
const DEVICE_OUTPUTS: readonly SessionComponent[] = ['unet', 'vae_decoder'];

/** On WebGPU with the device loop on, the UNet's and VAE decoder's outputs stay in GPU buffers. */
export function deviceOutputOptions(provider: string, component: SessionComponent, deviceLoop: boolean | undefined): DeviceOutputOptions {
  return provider === 'webgpu' && (deviceLoop ?? true) && DEVICE_OUTPUTS.includes(component) ? { preferredOutputLocation: 'gpu-buffer' } : {};
}

/** A JSON file of the folder, checked against its schema: a bad one is named with its field, before any session. */
async function checkedJson<S extends z.ZodType>(files: ModelFiles, path: string, schema: S): Promise<z.output<S>> {
  const where = `${files.location}${path}`;
  const json = await files.json<unknown>(path).catch((e: unknown) => {
    throw new Error(`${where} is not valid: ${e instanceof SyntaxError ? `not JSON (${e.message})` : e instanceof Error ? e.message : String(e)}.`);
  });
  return parseFile(schema, json, where);
}

async function loadTokenizer(files: ModelFiles, dir: string): Promise<BpeTokenizer> {
  const [json, config] = await Promise.all([checkedJson(files, `${dir}/tokenizer.json`, tokenizerJsonSchema), checkedJson(files, `${dir}/tokenizer_config.json`, tokenizerConfigSchema)]);
  return createClipTokenizer(json, config);
}

/** One component's session: its graph, then the external data its graph names (Blobs where the source has them). */
export async function createComponentSession(files: ModelFiles, component: SessionComponent, opts: LoadOptions): Promise<{ runner: OrtRunner; bytes: number }> {
  if (opts.openSession) return openedSession(files, component, opts, opts.openSession);
  const progress = (file: string) => (received: number, total?: number) => opts.onProgress?.({ component, file, received, total });
  const modelPath = `${component}/model.onnx`;
  const model = await files.bytes(modelPath, progress(modelPath));
  let bytes = model.length;
  const externalData = [];
  for (const location of externalDataFiles(model)) {
    const path = `${component}/${location}`;
    const data = files.blob ? await files.blob(path) : await files.bytes(path, progress(path));
    const size = data instanceof Blob ? data.size : data.length;
    if (files.blob) progress(path)(size, size);
    bytes += size;
    externalData.push({ path: location, data });
  }
  const session = await opts.ort.InferenceSession.create(model, {
    executionProviders: [opts.provider],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: CPU placement of shape ops is expected and not worth a warning
    externalData,
    ...deviceOutputOptions(opts.provider, component, opts.deviceLoop),
  });
  return { runner: new OrtRunner(opts.ort, session, component, opts.clock), bytes };
}

async function openedSession(files: ModelFiles, component: SessionComponent, opts: LoadOptions, open: SessionOpener): Promise<{ runner: OrtRunner; bytes: number }> {
  const { session, bytes } = await open(files, component, deviceOutputOptions(opts.provider, component, opts.deviceLoop));
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

  const runners: Partial<Record<SessionComponent, OrtRunner>> = {};
  const componentBytes: Record<string, number> = {};
  try {
    // Sessions one after another, so only one component's bytes are held in JS memory at a time.
    for (const component of SESSION_COMPONENTS) {
      // Optional: the public Lightning web exports ship no VAE encoder (text-to-image only).
      if (component === 'vae_encoder' && !hasVaeEncoder) continue;
      await opts.checkpoint?.(component);
      const { runner, bytes } = await createComponentSession(files, component, opts);
      runners[component] = runner;
      componentBytes[component] = bytes;
    }
    await opts.checkpoint?.(undefined);
  } catch (e) {
    await Promise.all(Object.values(runners).map((r) => r.release()));
    throw e;
  }

  const blocks = vaeConfig.block_out_channels?.length ?? 4;
  const { sizeRule, defaultSize } = manifestLimits(manifest);
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
  };
  const deviceLoop = (opts.deviceLoop ?? opts.provider === 'webgpu') ? new OrtDeviceLoop(opts.ort, opts.provider, runners.unet!, runners.vae_decoder!) : undefined;
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
