// The two text encoders and their tokenizers as a run needs them: the model's own, or a variant (textual inversions
// grown into the embeddings, LoRA-patched graphs). Variants replace the sessions; low-memory mode frees and re-creates them.
import type { BpeTokenizer } from '../pipeline/clip-tokens';
import type { ModelRunner } from '../pipeline/runners';
import { createComponentSession } from './component-session';
import type { ModelFiles } from './model-files';
import type { SessionFactory } from './session-types';
import type { OrtRunner } from './ort-runner';
import { readTiBase, tiModelFiles, TiCache, tiKey, type TiAsset, type TiBase } from './ti-apply';

export interface TextParts {
  tokenizer: BpeTokenizer;
  tokenizer2: BpeTokenizer;
  textEncoder: ModelRunner;
  textEncoder2: ModelRunner;
}

/** What the text side of a run asks for: textual inversions, and the text encoders' files (LoRA-patched, or the model's). */
export interface TextVariant {
  tis?: Record<string, TiAsset>;
  /** Files with LoRA-patched text encoder graphs, and the key of that LoRA set. */
  patched?: { key: string; files: ModelFiles };
}

const variantKey = (v: TextVariant): string => `${v.patched?.key ?? ''}|${v.tis && Object.keys(v.tis).length > 0 ? tiKey(v.tis) : ''}`;

export class TextEncoderSlot {
  private parts: TextParts;
  private files: ModelFiles;
  private key = '|';
  private released = false;
  private readonly tiCache = new TiCache();
  private tiBase?: { files: ModelFiles; base: TiBase };

  private readonly base: TextParts;

  constructor(private readonly baseFiles: ModelFiles, model: TextParts, private readonly factory: SessionFactory) {
    // Only the text side: the model's other components are not this slot's to hand out.
    const { tokenizer, tokenizer2, textEncoder, textEncoder2 } = model;
    this.base = { tokenizer, tokenizer2, textEncoder, textEncoder2 };
    this.parts = { ...this.base };
    this.files = baseFiles;
  }

  get isReleased(): boolean {
    return this.released;
  }

  current(): TextParts {
    return { ...this.parts };
  }

  /** Makes the slot hold this variant (sessions re-created only when it differs from the one held); true when they were. */
  async use(v: TextVariant): Promise<boolean> {
    const key = variantKey(v);
    if (key === this.key) return false;
    const graphs = v.patched?.files ?? this.baseFiles;
    let files = graphs;
    let tokenizers = { tokenizer: this.base.tokenizer, tokenizer2: this.base.tokenizer2 };
    if (v.tis && Object.keys(v.tis).length > 0) {
      if (this.tiBase?.files !== graphs) this.tiBase = { files: graphs, base: await readTiBase(graphs) };
      const { applied } = await this.tiCache.apply(this.tiBase.base, v.tis);
      files = tiModelFiles(graphs, applied);
      tokenizers = { tokenizer: applied.tokenizer, tokenizer2: applied.tokenizer2 };
    } else {
      this.tiCache.clear();
    }
    await this.freeSessions();
    this.files = files;
    this.key = key;
    this.parts = { ...this.parts, ...tokenizers };
    await this.createSessions();
    return true;
  }

  /** Low-memory mode: frees both sessions; restore() brings back the same variant. */
  async release(): Promise<void> {
    if (this.released) return;
    await this.freeSessions();
  }

  async restore(): Promise<void> {
    if (this.released) await this.createSessions();
  }

  async dispose(): Promise<void> {
    await this.freeSessions();
  }

  private async freeSessions(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all([this.parts.textEncoder, this.parts.textEncoder2].map((r) => (r as OrtRunner).release().catch(() => undefined)));
  }

  /** Both, then the flag, so none is left half-made. */
  private async createSessions(): Promise<void> {
    const textEncoder = (await createComponentSession(this.files, 'text_encoder', this.factory)).runner;
    const textEncoder2 = (await createComponentSession(this.files, 'text_encoder_2', this.factory)).runner;
    this.parts = { ...this.parts, textEncoder, textEncoder2 };
    this.released = false;
  }
}
