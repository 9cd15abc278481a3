// The widget protocol (versioned): what the host page (the SDK) and the embedded widget call on each other, over
// penpal. Plain types and constants only, so the SDK bundle stays small; the widget validates every argument.
import type { FieldError, GenerateResponse, EngineErrorData } from '../schema/response';

/** Bumped on any incompatible change; the SDK refuses a widget that speaks another major version. */
export const PROTOCOL_VERSION = 1;

export type WidgetErrorCode = EngineErrorData['code'] | 'protocol' | 'timeout' | 'not_connected' | 'needs_confirmation';
export interface WidgetError {
  code: WidgetErrorCode;
  message: string;
  detail?: FieldError[];
}
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: WidgetError };

export interface WidgetModel {
  id?: string;
  name: string;
  /** 'cpu' is the Node engine's (onnxruntime-node); a browser reports 'webgpu' or 'wasm'. */
  provider: 'webgpu' | 'wasm' | 'cpu';
  /** Sizes the model accepts, as the schema's size rule. */
  sizes: unknown;
  defaultSize: readonly [number, number];
}

/** The ready handshake: what the widget is and can do now. */
export interface ReadyInfo {
  protocol: number;
  app: string;
  capabilities: { samplers: readonly string[]; modes: readonly string[]; maxImages: number; imageEncodings: readonly string[] };
  model?: WidgetModel;
  adapter: { provider: 'webgpu' | 'wasm' | 'cpu'; description?: string; shaderF16: boolean };
  /**
   * partitioned: embedded by another site, so the store (if any) is that site's own; available: the browser lets the
   * widget keep files at all; sharedWithApp: the Storage Access API gave it the app's own store.
   */
  storage: { partitioned: boolean; available: boolean; sharedWithApp: boolean };
}

/** Events the widget sends to the host during a call. */
export type WidgetEvent =
  | { type: 'progress'; jobId: string; progress: unknown }
  | { type: 'modelProgress'; jobId: string; progress: unknown };

/** Methods the widget exposes. Every argument is untrusted: the widget validates it with zod. */
export type WidgetMethods = {
  hello(protocol: number): Promise<ReadyInfo>;
  generate(jobId: string, request: unknown): Promise<Outcome<GenerateResponse>>;
  cancel(jobId: string): Promise<void>;
  loadModel(jobId: string, ref: unknown): Promise<Outcome<WidgetModel>>;
  validate(request: unknown): Promise<FieldError[]>;
  /** Messages the widget ignored: wrong origin or not from its parent (for tests and monitoring). */
  counters(): Promise<{ ignoredMessages: number; lastIgnoredOrigin?: string }>;
};

/** Methods the host exposes to the widget. */
export type HostMethods = {
  event(e: WidgetEvent): void;
};
