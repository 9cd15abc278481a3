// The sessions of the loaded model, owned in one place: it releases and re-creates components (the text encoders in
// low-memory mode, a VAE encoder fetched later), swaps in asset variants (a LoRA-fused UNet, TI-grown text encoders,
// another VAE, the refiner), and hands the pipeline a snapshot of runners for each run. The pipeline never sees a session.
import type { SdxlComponents } from '../pipeline/generate';
import type { RefinerOptions } from '../pipeline/refiner-stage';
import { createComponentSession } from './component-session';
import type { LoadedModel } from './load-sdxl';
import { loadRefiner, type LoadedRefiner } from './load-refiner';
import { LoraVariants, type LoraVariantOptions } from './lora-variant';
import type { ModelFiles } from './model-files';
import { OrtDeviceLoop } from './ort-device-loop';
import { OrtRunner } from './ort-runner';
import { ortDeltaAdder, type OrtDeltaAdder } from './ort-delta';
import type { AssetRef, ResidentComponents, RunAssets, RunComponents, SessionFactory } from './session-types';
import { TextEncoderSlot } from './text-encoder-slot';
import { loadVaeVariant, type VaeVariant } from './vae-variant';

export type { AssetRef, ResidentComponents, RunAssets, RunComponents, SessionFactory } from './session-types';

const BASE = 'base';

export class ModelSessions {
  private readonly components: SdxlComponents;
  private readonly factory: SessionFactory;
  private readonly text: TextEncoderSlot;
  private readonly extraBytes: Record<string, number> = {};
  /** The UNet alive now: the model's own ('base') or a LoRA-fused variant (one at a time, the other released). */
  private unet: { key: string; runner: SdxlComponents['unet'] };
  private loras?: LoraVariants;
  /** The VAE asset whose sessions are alive (one at a time: another one replaces it). */
  private vae?: { key: string; variant: VaeVariant };
  /** The refiner asset whose UNet session is alive (one at a time). */
  private refiner?: { key: string; loaded: LoadedRefiner };
  /** Set when the model's files were deleted from the device: running sessions may go on, nothing is read again. */
  deleted = false;

  constructor(private readonly loaded: LoadedModel, readonly files: ModelFiles, factory: SessionFactory, private readonly loraOptions: LoraVariantOptions = {}) {
    this.components = { ...loaded.components };
    const [width, height] = loaded.info.defaultSize;
    this.factory = { ...factory, firstShape: { width, height, vaeScaleFactor: loaded.components.vaeScaleFactor, ...factory.firstShape } };
    this.text = new TextEncoderSlot(files, loaded.components, this.factory);
    this.unet = { key: BASE, runner: loaded.components.unet };
  }

  get info() {
    return { ...this.loaded.info, hasVaeEncoder: this.components.vaeEncoder !== undefined };
  }

  get textEncodersReleased(): boolean {
    return this.text.isReleased;
  }

  /** The model's own runners now (a snapshot: sessions may be re-created between runs). */
  runners(): SdxlComponents {
    return { ...this.components, ...this.text.current(), unet: this.unet.runner };
  }

  /** Fused-LoRA variants cached (count and bytes), for the UI. */
  loraCache() {
    return this.loras?.stats();
  }

  /**
   * The runners for a run with these assets: each asset's sessions are created on first use and kept while the
   * same asset (and LoRA weights) is asked for; a different one replaces them.
   */
  async forRun(assets: RunAssets): Promise<RunComponents> {
    const start = performance.now();
    const warnings: string[] = [];
    const loras = assets.loras?.filter((l) => l.weight !== 0) ?? [];
    const fused = loras.length > 0 ? await this.loraVariants().fuse(loras) : undefined;
    if (fused) warnings.push(...fused.warnings);
    // Each step runs whatever the one before did (no short-circuit): the text encoders, then the UNet.
    const textMade = await this.text.use({ tis: assets.tis, patched: fused });
    await this.text.restore();
    const unetMade = await this.useUnet(fused ? { key: fused.key, files: fused.files } : undefined);
    const created = textMade || unetMade;
    const refiner = assets.refiner ? await this.refinerFor(assets.refiner) : undefined;
    const c = await this.withVae(assets.vae);
    const base = this.loaded.components.deviceLoop;
    const deviceLoop = base instanceof OrtDeviceLoop && c.unet instanceof OrtRunner && c.vaeDecoder instanceof OrtRunner ? base.withModels(c.unet, c.vaeDecoder) : undefined;
    const assetMs = created || (fused?.fuseMs ?? 0) > 0 ? performance.now() - start : 0;
    return { ...c, deviceLoop, ...(refiner ? { refiner } : {}), warnings, assetMs };
  }

  /**
   * Forgets every asset variant (an asset was deleted): LoRA-fused variants and their overlays, the VAE's and the
   * refiner's sessions. A fused UNet or text encoder pair in use goes back to the model's own, since a session reads
   * its files again for a new shape.
   */
  async dropAssetVariants(): Promise<void> {
    await this.releaseVae();
    await this.refiner?.loaded.release();
    this.refiner = undefined;
    if (this.unet.key !== BASE) await this.useUnet(undefined);
    await this.text.use({});
    await this.loras?.clear();
  }

  private loraVariants(): LoraVariants {
    // Big LoRAs take the fast ΔW: a MatMul on the model's own execution provider (the GPU with WebGPU), made once.
    let fast: Promise<OrtDeltaAdder> | undefined;
    const fastAdder = async () => (await (fast ??= ortDeltaAdder(this.factory.ort, [this.factory.provider]))).add;
    this.loras ??= new LoraVariants(this.files, this.files.storeKey ?? this.files.location, { fastAdder, ...this.loraOptions });
    return this.loras;
  }

  /** The model's UNet, or the fused one; the other is released first (two SDXL UNets rarely fit). True when one was made. */
  private async useUnet(fused: { key: string; files: ModelFiles } | undefined): Promise<boolean> {
    const key = fused?.key ?? BASE;
    if (this.unet.key === key) return false;
    await (this.unet.runner as OrtRunner).release().catch(() => undefined);
    const { runner } = await createComponentSession(fused?.files ?? this.files, 'unet', this.factory);
    this.unet = { key, runner };
    return true;
  }

  private async refinerFor(ref: AssetRef): Promise<Omit<RefinerOptions, 'highNoiseFrac'>> {
    if (this.refiner?.key !== ref.key) {
      const old = this.refiner;
      this.refiner = undefined;
      await old?.loaded.release();
      const base = { components: this.runners(), info: this.loaded.info };
      this.refiner = { key: ref.key, loaded: await loadRefiner(ref.files, base, { ...this.factory }) };
    }
    return this.refiner.loaded.options;
  }

  private async withVae(vae: AssetRef | undefined): Promise<SdxlComponents> {
    const c = this.runners();
    if (!vae) return c;
    if (this.vae?.key !== vae.key) {
      await this.releaseVae();
      this.vae = { key: vae.key, variant: await loadVaeVariant(vae.name, vae.files, this.factory, c) };
    }
    return { ...c, ...this.vae.variant.parts };
  }

  private async releaseVae(): Promise<void> {
    const old = this.vae;
    this.vae = undefined;
    await old?.variant.release();
  }

  /** Frees both text encoders' sessions (low-memory mode); the next run re-creates them. */
  releaseTextEncoders(): Promise<void> {
    return this.text.release();
  }

  restoreTextEncoders(): Promise<void> {
    return this.text.restore();
  }

  /** Adds the VAE encoder from files fetched now (an export whose record names it elsewhere). */
  async addVaeEncoder(files: ModelFiles): Promise<void> {
    if (this.components.vaeEncoder) return;
    const { runner, bytes } = await createComponentSession(files, 'vae_encoder', this.factory);
    this.components.vaeEncoder = runner;
    this.extraBytes.vae_encoder = bytes;
  }

  /** Each component's bytes, and whether it is resident now. */
  resident(): ResidentComponents {
    const out: ResidentComponents = {};
    for (const [name, bytes] of Object.entries({ ...this.loaded.info.componentBytes, ...this.extraBytes })) {
      out[name] = { bytes, resident: !(this.text.isReleased && name.startsWith('text_encoder')) };
    }
    if (this.vae) out[`vae:${this.vae.key}`] = { bytes: this.vae.variant.bytes, resident: true };
    if (this.refiner) out[`refiner:${this.refiner.key}`] = { bytes: this.refiner.loaded.bytes, resident: true };
    return out;
  }

  /** Releases every live session (the loaded model's release plus what was created since). */
  async release(): Promise<void> {
    await this.releaseVae();
    await this.refiner?.loaded.release();
    this.refiner = undefined;
    await this.text.dispose();
    // The text encoders are the slot's (released above); the loaded model releases the rest, the live UNet included.
    Object.assign(this.loaded.components, this.components, { textEncoder: undefined as never, textEncoder2: undefined as never, unet: this.unet.runner });
    await this.loaded.release();
  }
}
