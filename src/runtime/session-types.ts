// The types the model's session owner shares with its parts (text encoders, VAE, LoRA and refiner variants).
import type { SdxlComponents } from '../pipeline/generate';
import type { RefinerOptions } from '../pipeline/refiner-stage';
import type { FirstShape } from './load-shape';
import type { SessionOpener } from './component-session';
import type { LoraRef, LoraVariantOptions } from './lora-variant';
import type { ModelFiles } from './model-files';
import type { ExecutionProvider, Ort, RunClock } from './ort-runner';
import type { TiAsset } from './ti-apply';

/** What creating one more session of this model takes. */
export interface SessionFactory {
  ort: Ort;
  provider: ExecutionProvider;
  clock: RunClock;
  openSession?: SessionOpener;
  /** The shape a new component's first session is made for (the model's default size). */
  firstShape?: Partial<FirstShape>;
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
  /** LoRAs in request order with their weights: fused into the UNet and the text encoders. */
  loras?: LoraRef[];
  /** The refiner (use_refiner): its UNet runs the low-noise end of the schedule. */
  refiner?: AssetRef;
}

/** A run's components; the refiner's options when the run uses one; what the assets cost and reported. */
export type RunComponents = SdxlComponents & {
  refiner?: Omit<RefinerOptions, 'highNoiseFrac'>;
  warnings: string[];
  /** Time spent this run fusing LoRAs and creating sessions for assets (0 when all were cached). */
  assetMs: number;
};

/** Per component: its bytes, and whether its session is alive now. */
export type ResidentComponents = Record<string, { bytes: number; resident: boolean }>;

export type { LoraVariantOptions };
