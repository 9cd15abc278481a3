// Loads an SDXL ONNX folder in Hugging Face Optimum's layout into sessions, once, and describes it.
import type { BpeTokenizer } from '../pipeline/clip-tokens';
import { maxClipSkip } from '../pipeline/hidden-states';
import type { SchedulerConfig } from '../pipeline/schedulers';
import type { SdxlComponents } from '../pipeline/generate';
import { parseWebManifest, type WebManifest } from '../schema/model-manifest';
import { SDXL_SIZE_RULE, type SizeRule } from '../schema/sizes';
import { createClipTokenizer } from './clip-tokenizer';
import type { ModelFiles } from './model-files';
import { externalDataFiles } from './onnx-external-data';
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
}

interface ModelIndex { text_encoder_2?: unknown; unet?: unknown; force_zeros_for_empty_prompt?: boolean }
interface VaeConfig { scaling_factor?: number; latent_channels?: number; block_out_channels?: number[] }

async function loadTokenizer(files: ModelFiles, dir: string): Promise<BpeTokenizer> {
  const [json, config] = await Promise.all([files.json<object>(`${dir}/tokenizer.json`), files.json<object>(`${dir}/tokenizer_config.json`)]);
  return createClipTokenizer(json, config);
}

/** One component's session: its graph, then the external data its graph names (Blobs where the source has them). */
export async function createComponentSession(files: ModelFiles, component: SessionComponent, opts: LoadOptions): Promise<{ runner: OrtRunner; bytes: number }> {
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
  });
  return { runner: new OrtRunner(opts.ort, session, component, opts.clock), bytes };
}

export async function loadSdxl(files: ModelFiles, opts: LoadOptions): Promise<LoadedModel> {
  const index = await files.json<ModelIndex>('model_index.json');
  if (!index.text_encoder_2 || !index.unet) {
    throw new Error(`${files.location}model_index.json does not describe an SDXL pipeline (no text_encoder_2/unet)`);
  }
  const [schedulerConfig, vaeConfig, manifest, hasVaeEncoder] = await Promise.all([
    files.json<SchedulerConfig>('scheduler/scheduler_config.json'),
    files.json<VaeConfig>('vae_decoder/config.json'),
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
  const sizeRule: SizeRule = manifest.sizes ? { kind: 'range', ...manifest.sizes } : SDXL_SIZE_RULE;
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
  return {
    components,
    info: {
      location: files.location,
      sizeRule,
      defaultSize: manifest.default_size ?? (sizeRule.kind === 'list' ? sizeRule.sizes[0]! : [1024, 1024]),
      componentBytes,
      hasVaeEncoder,
      maxClipSkip: maxClipSkip([components.textEncoder, components.textEncoder2]),
    },
    // The sessions the components hold now (text encoders may have been released and re-created since loading).
    release: async () => {
      const live = [components.textEncoder, components.textEncoder2, components.unet, components.vaeDecoder, components.vaeEncoder];
      await Promise.all(live.map((r) => (r instanceof OrtRunner ? r.release().catch(() => undefined) : undefined)));
    },
  };
}
