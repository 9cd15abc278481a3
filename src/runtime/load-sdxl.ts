// Loads an SDXL ONNX folder in Hugging Face Optimum's layout into sessions, once, and describes it.
import type { BpeTokenizer } from '../pipeline/clip-tokens';
import { maxClipSkip } from '../pipeline/hidden-states';
import type { SchedulerConfig } from '../pipeline/schedulers';
import type { SdxlComponents } from '../pipeline/generate';
import { manifestLimits, parseWebManifest, type WebManifest } from '../schema/model-manifest';
import { modelIndexSchema, schedulerConfigSchema, tokenizerConfigSchema, tokenizerJsonSchema, vaeConfigSchema } from '../schema/model-files';
import { parseFile } from '../schema/file-check';
import type { z } from 'zod';
import type { SizeRule } from '../schema/sizes';
import { createClipTokenizer } from './clip-tokenizer';
import { createComponentSession, SESSION_COMPONENTS, type ComponentLoadOptions, type SessionComponent } from './component-session';
import type { ModelFiles } from './model-files';
import { OrtDeviceLoop } from './ort-device-loop';
import { OrtRunner } from './ort-runner';

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

export interface LoadOptions extends ComponentLoadOptions {
  /**
   * Awaited before each session is created (with its component) and once after the last (undefined): throwing there
   * stops the load, and the sessions already made are released.
   */
  checkpoint?: (next: SessionComponent | undefined) => Promise<void>;
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
