// The sessions of the loaded model, owned in one place: it releases and re-creates components (the text encoders in
// low-memory mode, a VAE encoder fetched later) and hands the pipeline a snapshot of runners for each run.
import type { SdxlComponents } from '../pipeline/generate';
import { createComponentSession, type LoadedModel, type SessionOpener } from './load-sdxl';
import type { ModelFiles } from './model-files';
import { OrtDeviceLoop } from './ort-device-loop';
import { OrtRunner, type ExecutionProvider, type Ort, type RunClock } from './ort-runner';
import { loadVaeVariant, type VaeVariant } from './vae-variant';
import { TextEncoderSlot } from './text-encoder-slot';
import type { TiAsset } from './ti-apply';
import { loadRefiner, type LoadedRefiner } from './load-refiner';
import type { RefinerOptions } from '../pipeline/refiner-stage';

/** What creating one more session of this model takes. */
export interface SessionFactory {
  ort: Ort;
  provider: ExecutionProvider;
  clock: RunClock;
  openSession?: SessionOpener;
}

/** An asset a run asks for: its store key (what its sessions are cached by) and its files. */
export interface AssetRef {
  name: string;
  key: string;
  files: ModelFiles;
}

/** The assets one run uses instead of (or beside) the model's own components. */
export interface RunAssets {
  vae?: AssetRef;
  /** Textual inversions by name, in request order, with their triggers and vectors. */
  tis?: Record<string, TiAsset>;
  /** The refiner (use_refiner): its UNet runs the low-noise end of the schedule. */
  refiner?: AssetRef;
}

/** A run's components, and the refiner's options when the run uses one. */
export type RunComponents = SdxlComponents & { refiner?: Omit<RefinerOptions, 'highNoiseFrac'> };

/** Per component: its bytes, and whether its session is alive now. */
export type ResidentComponents = Record<string, { bytes: number; resident: boolean }>;

export class ModelSessions {
  private readonly components: SdxlComponents;
  private readonly text: TextEncoderSlot;
  private readonly extraBytes: Record<string, number> = {};
  /** The VAE asset whose sessions are alive (one at a time: another one replaces it). */
  private vae?: { key: string; variant: VaeVariant };
  /** The refiner asset whose UNet session is alive (one at a time). */
  private refiner?: { key: string; loaded: LoadedRefiner };
  /** Set when the model's files were deleted from the device: running sessions may go on, nothing is read again. */
  deleted = false;

  constructor(private readonly loaded: LoadedModel, readonly files: ModelFiles, private readonly factory: SessionFactory) {
    this.components = { ...loaded.components };
    this.text = new TextEncoderSlot(files, loaded.components, factory);
  }

  get info() {
    return { ...this.loaded.info, hasVaeEncoder: this.components.vaeEncoder !== undefined };
  }

  get textEncodersReleased(): boolean {
    return this.text.isReleased;
  }

  /** The runners a run uses now (a snapshot: the text encoders may be re-created between runs). */
  runners(): SdxlComponents {
    return { ...this.components, ...this.text.current() };
  }

  /**
   * The runners for a run with these assets: the model's own, with the VAE asset's sessions in place of its VAE
   * (created on first use, kept while the same asset is asked for). The pipeline never sees which is which.
   */
  async forRun(assets: RunAssets): Promise<RunComponents> {
    await this.text.use({ tis: assets.tis });
    await this.text.restore();
    const refiner = assets.refiner ? await this.refinerFor(assets.refiner) : undefined;
    const c = await this.withVae(assets.vae);
    return refiner ? { ...c, refiner } : c;
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
    const assets = { vae };
    if (this.vae?.key !== assets.vae.key) {
      await this.releaseVae();
      this.vae = { key: assets.vae.key, variant: await loadVaeVariant(assets.vae.name, assets.vae.files, this.factory, c) };
    }
    const parts = this.vae.variant.parts;
    const loop = c.deviceLoop instanceof OrtDeviceLoop && c.unet instanceof OrtRunner && parts.vaeDecoder instanceof OrtRunner ? c.deviceLoop.withModels(c.unet, parts.vaeDecoder) : undefined;
    return { ...c, ...parts, deviceLoop: loop };
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
    // The text encoders are the slot's (released above): the loaded model releases the rest.
    Object.assign(this.loaded.components, this.components, { textEncoder: undefined as never, textEncoder2: undefined as never });
    await this.loaded.release();
  }

}
