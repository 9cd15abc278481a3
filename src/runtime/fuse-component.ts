// Fuses LoRAs into one stored component (unet, text_encoder, text_encoder_2) read through ModelFiles, shards as Blobs.
import type { DeltaAdder, LoraComponent } from '../pipeline/lora/lora-types';
import type { OverlayWriter } from './fuse-overlay';
import { fuseLoras, type FusedModel, type FuseOptions, type LoraEntry } from './lora-fuse';
import type { ModelFiles } from './model-files';
import { externalDataFiles } from './onnx-external-data';

/**
 * `<component>/model.onnx` and its external data (as the store's disk-backed Blobs where it has them, so nothing is
 * read but the patched weights), fused with the component's modules of each entry. Pass the result to
 * `InferenceSession.create(fused.model, { ...options, externalData: fused.externalData })`.
 */
export async function fuseComponent(
  files: ModelFiles,
  component: LoraComponent,
  entries: readonly LoraEntry[],
  adder: DeltaAdder,
  overlay: OverlayWriter,
  opts: Omit<FuseOptions, 'component'> = {},
): Promise<FusedModel> {
  const model = await files.bytes(`${component}/model.onnx`);
  const shards = new Map<string, Blob>();
  for (const location of externalDataFiles(model)) {
    const path = `${component}/${location}`;
    shards.set(location, files.blob ? await files.blob(path) : new Blob([(await files.bytes(path)).slice()]));
  }
  return fuseLoras(model, shards, entries, adder, overlay, { ...opts, component });
}
