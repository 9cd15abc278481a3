// Loads an SDXL refiner folder (Optimum layout: unet/ + model_index.json + scheduler/) into its UNet session, checked
// against the base model whose text_encoder_2, tokenizer_2 and VAE it borrows.
import type { ModelRunner } from '../pipeline/runners';
import type { RefinerOptions } from '../pipeline/refiner-stage';
import type { SchedulerConfig } from '../pipeline/schedulers';
import { ModelFileInvalidError } from '../schema/file-check';
import { schedulerConfigSchema } from '../schema/model-files';
import { refinerIndexSchema, refinerUnetConfigSchema } from '../schema/refiner-files';
import { createComponentSession } from './component-session';
import { checkedJson, type LoadedModel, type LoadOptions } from './load-sdxl';
import type { ModelFiles } from './model-files';

/** Time ids of a refiner UNet: original size (2), crop (2), aesthetic score (1). */
export const REFINER_TIME_IDS = 5;

export interface LoadedRefiner {
  /** What `generate` takes as `opts.refiner`, less the request's high_noise_frac (and aesthetic scores, default 6 / 2.5). */
  options: Omit<RefinerOptions, 'highNoiseFrac'>;
  /** Bytes of unet/model.onnx and its external data. */
  bytes: number;
  release(): Promise<void>;
}

/** The last declared dim of a runner's value, when it is a number. */
const lastDim = (dims: readonly (number | string)[] | undefined): number | undefined => {
  const d = dims?.[dims.length - 1];
  return typeof d === 'number' ? d : undefined;
};

/** text_encoder_2's hidden width and pooled (projection) width, as its exported outputs declare them. */
function encoderWidths(textEncoder2: ModelRunner): { hidden?: number; pooled?: number } {
  const hidden = textEncoder2.outputs.find((o) => /^hidden_states\.\d+$/.test(o.name));
  const pooled = textEncoder2.outputs.find((o) => o.name === 'text_embeds');
  return { hidden: lastDim(hidden?.dims), pooled: lastDim(pooled?.dims) };
}

/** What the refiner takes from the loaded base model: text_encoder_2's widths, and the size its first session is made for. */
export type RefinerBase = { components: Pick<LoadedModel['components'], 'textEncoder2' | 'vaeScaleFactor'>; info: Pick<LoadedModel['info'], 'defaultSize'> };

/**
 * The refiner's UNet session, made as loadSdxl makes the base's (same provider and opener; its first static-shape
 * session for the base's default size unless opts.firstShape says otherwise) but with its outputs on the CPU: the
 * refiner runs in the JS loop. Its configs are checked first, each mismatch named with its file.
 */
export async function loadRefiner(files: ModelFiles, base: RefinerBase, opts: LoadOptions): Promise<LoadedRefiner> {
  const where = (path: string) => `${files.location}${path}`;
  const [index, unetConfig, schedulerConfig] = await Promise.all([
    checkedJson(files, 'model_index.json', refinerIndexSchema),
    checkedJson(files, 'unet/config.json', refinerUnetConfigSchema),
    checkedJson(files, 'scheduler/scheduler_config.json', schedulerConfigSchema) as Promise<SchedulerConfig>,
  ]);
  const widths = encoderWidths(base.components.textEncoder2);
  const issues: string[] = [];
  if (widths.hidden !== undefined && unetConfig.cross_attention_dim !== widths.hidden) {
    issues.push(`cross_attention_dim: ${unetConfig.cross_attention_dim} ≠ ${widths.hidden}, the base's text_encoder_2 width (the refiner reads text_encoder_2 alone)`);
  }
  if (widths.pooled !== undefined) {
    const expected = REFINER_TIME_IDS * unetConfig.addition_time_embed_dim + widths.pooled;
    if (unetConfig.projection_class_embeddings_input_dim !== expected) {
      const ids = (unetConfig.projection_class_embeddings_input_dim - widths.pooled) / unetConfig.addition_time_embed_dim;
      issues.push(`projection_class_embeddings_input_dim: ${unetConfig.projection_class_embeddings_input_dim} ≠ ${REFINER_TIME_IDS}·${unetConfig.addition_time_embed_dim} + ${widths.pooled} `
        + `(${REFINER_TIME_IDS} time ids and text_encoder_2's pooled width); this UNet takes ${ids} time ids`);
    }
  }
  if (issues.length) throw new ModelFileInvalidError(where('unet/config.json'), issues);

  const [width, height] = base.info.defaultSize;
  const firstShape = { width, height, vaeScaleFactor: base.components.vaeScaleFactor, ...opts.firstShape };
  const { runner, bytes } = await createComponentSession(files, 'unet', { ...opts, firstShape, deviceLoop: false, graphCapture: false });
  const declared = (name: string) => lastDim(runner.inputs.find((i) => i.name === name)?.dims);
  const onnxIssues = [
    declared('time_ids') !== undefined && declared('time_ids') !== REFINER_TIME_IDS && `time_ids has ${declared('time_ids')} columns, not ${REFINER_TIME_IDS}`,
    declared('encoder_hidden_states') !== undefined && declared('encoder_hidden_states') !== unetConfig.cross_attention_dim
      && `encoder_hidden_states is ${declared('encoder_hidden_states')} wide, not cross_attention_dim ${unetConfig.cross_attention_dim}`,
  ].filter((m): m is string => typeof m === 'string');
  if (onnxIssues.length) {
    await runner.release().catch(() => undefined);
    throw new ModelFileInvalidError(where('unet/model.onnx'), onnxIssues);
  }
  return {
    options: { unet: runner, schedulerConfig, forceZerosForEmptyPrompt: index.force_zeros_for_empty_prompt },
    bytes,
    release: () => runner.release(),
  };
}
