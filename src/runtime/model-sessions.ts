// The sessions of the loaded model, owned in one place: it releases and re-creates components (the text encoders in
// low-memory mode, a VAE encoder fetched later) and hands the pipeline a snapshot of runners for each run.
import type { SdxlComponents } from '../pipeline/generate';
import { createComponentSession, type LoadedModel, type SessionComponent, type SessionOpener } from './load-sdxl';
import type { ModelFiles } from './model-files';
import type { ExecutionProvider, Ort, OrtRunner, RunClock } from './ort-runner';

/** What creating one more session of this model takes. */
export interface SessionFactory {
  ort: Ort;
  provider: ExecutionProvider;
  clock: RunClock;
  openSession?: SessionOpener;
}

/** Per component: its bytes, and whether its session is alive now. */
export type ResidentComponents = Record<string, { bytes: number; resident: boolean }>;

export class ModelSessions {
  private encodersReleased = false;
  private readonly components: SdxlComponents;
  private readonly extraBytes: Record<string, number> = {};
  /** Set when the model's files were deleted from the device: running sessions may go on, nothing is read again. */
  deleted = false;

  constructor(private readonly loaded: LoadedModel, readonly files: ModelFiles, private readonly factory: SessionFactory) {
    this.components = { ...loaded.components };
  }

  get info() {
    return { ...this.loaded.info, hasVaeEncoder: this.components.vaeEncoder !== undefined };
  }

  get textEncodersReleased(): boolean {
    return this.encodersReleased;
  }

  /** The runners a run uses now (a snapshot: the text encoders may be re-created between runs). */
  runners(): SdxlComponents {
    return { ...this.components };
  }

  /** Frees both text encoders' sessions (low-memory mode); restoreTextEncoders() brings them back. */
  async releaseTextEncoders(): Promise<void> {
    if (this.encodersReleased) return;
    this.encodersReleased = true;
    await Promise.all([this.components.textEncoder, this.components.textEncoder2].map((r) => (r as OrtRunner).release()));
  }

  /** Re-creates both text encoders (both, then the flag, so none is left half-made). */
  async restoreTextEncoders(): Promise<void> {
    if (!this.encodersReleased) return;
    this.components.textEncoder = await this.create(this.files, 'text_encoder');
    this.components.textEncoder2 = await this.create(this.files, 'text_encoder_2');
    this.encodersReleased = false;
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
      out[name] = { bytes, resident: !(this.encodersReleased && name.startsWith('text_encoder')) };
    }
    return out;
  }

  /** Releases every live session (the loaded model's release plus what was created since). */
  async release(): Promise<void> {
    Object.assign(this.loaded.components, this.components);
    await this.loaded.release();
  }

  private async create(files: ModelFiles, component: SessionComponent): Promise<OrtRunner> {
    return (await createComponentSession(files, component, this.factory)).runner;
  }
}
