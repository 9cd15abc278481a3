// One SDXL component's session runner: static shapes per call shape (a bounded cache of sessions), opened from the
// store's bytes (browser) or by the host's own opener (Node, from file paths); graph capture for the UNet on WebGPU.
import type * as OrtModule from 'onnxruntime-web';
import type { InferenceSession } from 'onnxruntime-web';
import { CapturedSession, capturedSession } from './captured-session';
import { firstDims, shapeCapacity, type FirstShape } from './load-shape';
import type { ModelFiles } from './model-files';
import { shrinkAttentionBiases } from './onnx-attention-bias';
import { externalDataFiles } from './onnx-external-data';
import { declaredInputs, type DeclaredInput } from './onnx-input-dims';
import { OrtRunner, type ExecutionProvider, type Ort, type RunClock } from './ort-runner';
import type { SessionCacheEvent } from './session-cache';
import { shapeKey, type DimValues } from './session-shapes';
import { ShapedSession, type RunnableSession } from './shaped-session';

export const SESSION_COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'] as const;
export type SessionComponent = (typeof SESSION_COMPONENTS)[number];

export interface LoadProgress {
  component: string;
  file: string;
  received: number;
  total?: number;
}

/** Session options the loader decides per component (where outputs stay for the device loop); an opener must apply them. */
export interface ComponentSessionOptions {
  preferredOutputLocation?: 'gpu-buffer';
}

/** What one session of a component is opened with: the loader's placement and, for static shapes, the dims it fixes. */
export interface OpenOptions extends ComponentSessionOptions {
  freeDimensionOverrides?: DimValues;
}

/** A component a host opens its own way: what the loader needs to know now, and a session per call shape on demand. */
export interface OpenableComponent<S = InferenceSession> {
  /** The graph's inputs as declared (fixed dims and the names of free ones): which dims a shape fixes. */
  declared: readonly DeclaredInput[];
  /** Bytes of the graph plus its external data (how many shapes the cache may keep). */
  bytes: number;
  open(options: OpenOptions): Promise<S>;
}

/**
 * Opens a component its own way (Node: from the file's path, so onnxruntime maps the external data itself and no
 * weight passes through a JS buffer). Sessions go through the same per-shape cache as the browser's.
 */
export type SessionOpener = (files: ModelFiles, component: SessionComponent) => Promise<OpenableComponent>;

export type SessionEvent = { component: SessionComponent } & (SessionCacheEvent | { kind: 'captured'; key: string } | { kind: 'capture-refused'; key: string; message: string });

export interface ComponentLoadOptions {
  ort: Ort;
  provider: ExecutionProvider;
  clock: RunClock;
  onProgress?: (p: LoadProgress) => void;
  /** Replaces the default session creation (bytes and Blobs handed to onnxruntime-web); see SessionOpener. */
  openSession?: SessionOpener;
  /**
   * Keep the denoising loop on the device (UNet and VAE outputs stay where they are computed, guidance and the step
   * run as small graphs on the same EP). Default: on WebGPU only; tests turn it on for the CPU EPs.
   */
  deviceLoop?: boolean;
  /** false: sessions with free dims (one per component, any shape). Default: one session per shape (static shapes). */
  staticShapes?: boolean;
  /** The shape the load-time sessions are made for (default: 1024², UNet batch 1, 77 tokens; loadSdxl uses the model's default size). */
  firstShape?: Partial<FirstShape>;
  /** Graph capture for the UNet on WebGPU in the browser (per shape; falls back to a plain session where the EP refuses). */
  graphCapture?: boolean;
  /** Told when a per-shape session is created (with how long it took) or released, or capture is refused. */
  onSession?: (e: SessionEvent) => void;
}

const DEFAULT_FIRST_SHAPE: FirstShape = { width: 1024, height: 1024, vaeScaleFactor: 8, unetBatch: 1, tokens: 77 };

/** The components whose outputs the device loop consumes on the device. */
const DEVICE_OUTPUTS: readonly SessionComponent[] = ['unet', 'vae_decoder'];

/** On WebGPU with the device loop on, the UNet's and VAE decoder's outputs stay in GPU buffers. */
export function deviceOutputOptions(provider: string, component: SessionComponent, deviceLoop: boolean | undefined): ComponentSessionOptions {
  return provider === 'webgpu' && (deviceLoop ?? true) && DEVICE_OUTPUTS.includes(component) ? { preferredOutputLocation: 'gpu-buffer' } : {};
}

/** The graph and the external data its graph names (Blobs where the source has them), read from the store. */
async function readComponent(files: ModelFiles, component: SessionComponent, opts: Pick<ComponentLoadOptions, 'onProgress'>) {
  const progress = (file: string) => (received: number, total?: number) => opts.onProgress?.({ component, file, received, total });
  const modelPath = `${component}/model.onnx`;
  const stored = await files.bytes(modelPath, progress(modelPath));
  let bytes = stored.length;
  // The same scores without a [batch·heads, L, S] zero tensor per attention (folded at load under static shapes).
  const { model } = shrinkAttentionBiases(stored);
  const externalData = [];
  for (const location of externalDataFiles(model)) {
    const path = `${component}/${location}`;
    const data = files.blob ? await files.blob(path) : await files.bytes(path, progress(path));
    const size = data instanceof Blob ? data.size : data.length;
    if (files.blob) progress(path)(size, size);
    bytes += size;
    externalData.push({ path: location, data });
  }
  return { model, externalData, bytes };
}

/**
 * The browser's way to open a component: its bytes and Blobs handed to onnxruntime-web. The first read serves the
 * first session; later shapes read the files again (no weights kept in JS memory). A UNet with capture asked for is
 * opened captured where the EP allows it.
 */
async function storedComponent(files: ModelFiles, component: SessionComponent, opts: ComponentLoadOptions, capture: boolean): Promise<OpenableComponent<RunnableSession>> {
  let read: Awaited<ReturnType<typeof readComponent>> | undefined = await readComponent(files, component, opts);
  const open = async (o: OpenOptions): Promise<RunnableSession> => {
    const src = read ?? (await readComponent(files, component, {}));
    read = undefined;
    const { freeDimensionOverrides: dims, ...placement } = o;
    const options: OrtModule.InferenceSession.SessionOptions = {
      executionProviders: [opts.provider],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3, // errors only: CPU placement of shape ops is expected and not worth a warning
      ...(dims ? { freeDimensionOverrides: { ...dims } } : {}),
      ...placement,
      externalData: src.externalData,
    };
    if (!capture || !dims) return opts.ort.InferenceSession.create(src.model, options);
    const key = shapeKey(dims);
    const s = await capturedSession(opts.ort, src.model, options, (m) => opts.onSession?.({ component, kind: 'capture-refused', key, message: m }));
    if (s instanceof CapturedSession) opts.onSession?.({ component, kind: 'captured', key });
    return s;
  };
  return { declared: declaredInputs(read.model), bytes: read.bytes, open };
}

/**
 * One component's session. Free dims (batch, sizes, tokens) are fixed per call shape with freeDimensionOverrides
 * (static shapes: shape ops fold away), one session per shape in a bounded cache; the first is made now for the
 * expected shape, so a bad model fails at load. The same on every host: only how a session is opened differs.
 */
export async function createComponentSession(files: ModelFiles, component: SessionComponent, opts: ComponentLoadOptions): Promise<{ runner: OrtRunner; bytes: number }> {
  const placement = deviceOutputOptions(opts.provider, component, opts.deviceLoop);
  // Capture needs a GPUDevice in JS to hold the inputs (CapturedSession), which only onnxruntime-web gives.
  const capture = component === 'unet' && opts.provider === 'webgpu' && opts.graphCapture === true && !opts.openSession;
  const source: OpenableComponent<RunnableSession> = opts.openSession
    ? await opts.openSession(files, component)
    : await storedComponent(files, component, opts, capture);
  const first = opts.staticShapes === false ? undefined : firstDims(component, source.declared, { ...DEFAULT_FIRST_SHAPE, ...opts.firstShape });
  const session = first
    ? await ShapedSession.create(source.declared, first, (dims) => source.open(dims ? { ...placement, freeDimensionOverrides: dims } : placement), shapeCapacity(source.bytes), (e) => opts.onSession?.({ component, ...e }))
    : await source.open(placement);
  return { runner: new OrtRunner(opts.ort, session, component, opts.clock), bytes: source.bytes };
}
