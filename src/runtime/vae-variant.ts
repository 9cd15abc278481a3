// Another VAE for the loaded model (a `vae` asset: an ONNX folder with vae_decoder/ and optionally vae_encoder/),
// checked against the model's latent space before its sessions are made.
import type { SdxlComponents } from '../pipeline/generate';
import { vaeConfigSchema } from '../schema/model-files';
import { createComponentSession } from './component-session';
import { checkedJson } from './load-sdxl';
import type { ModelFiles } from './model-files';
import type { SessionFactory } from './session-types';
import type { OrtRunner } from './ort-runner';

/** The components a VAE asset replaces for a run. */
export type VaeParts = Pick<SdxlComponents, 'vaeDecoder' | 'vaeEncoder' | 'vaeScalingFactor' | 'vaeShape'>;

export interface VaeVariant {
  parts: VaeParts;
  bytes: number;
  release(): Promise<void>;
}

export async function loadVaeVariant(name: string, files: ModelFiles, factory: SessionFactory, base: SdxlComponents): Promise<VaeVariant> {
  const config = await checkedJson(files, 'vae_decoder/config.json', vaeConfigSchema);
  const channels = config.latent_channels ?? 4;
  const scale = 2 ** ((config.block_out_channels?.length ?? 4) - 1);
  if (channels !== base.latentChannels || scale !== base.vaeScaleFactor) {
    throw new Error(`The VAE "${name}" does not fit this model: it has ${channels} latent channels and a ${scale}× scale, the model ${base.latentChannels} and ${base.vaeScaleFactor}×.`);
  }
  const runners: OrtRunner[] = [];
  let bytes = 0;
  const open = async (component: 'vae_decoder' | 'vae_encoder') => {
    const s = await createComponentSession(files, component, factory);
    runners.push(s.runner);
    bytes += s.bytes;
    return s.runner;
  };
  try {
    const vaeDecoder = await open('vae_decoder');
    // Without its own encoder this VAE only decodes: image-to-image with it is refused (latents of another VAE differ).
    const vaeEncoder = (await files.exists('vae_encoder/model.onnx')) ? await open('vae_encoder') : undefined;
    return {
      parts: {
        vaeDecoder, vaeEncoder,
        vaeScalingFactor: config.scaling_factor ?? 0.13025,
        vaeShape: { blockOutChannels: config.block_out_channels ?? [128, 256, 512, 512], midBlockAttention: config.mid_block_add_attention },
      },
      bytes,
      release: async () => void (await Promise.all(runners.map((r) => r.release().catch(() => undefined)))),
    };
  } catch (e) {
    await Promise.all(runners.map((r) => r.release().catch(() => undefined)));
    throw e;
  }
}
