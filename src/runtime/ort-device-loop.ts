// DeviceLoop on onnxruntime (web or node): the UNet and VAE fed device tensors, the loop's small graphs on the same EP,
// outputs kept where they are computed ('gpu-buffer' on WebGPU), and every per-request tensor freed by release().
import type * as OrtModule from 'onnxruntime-web';
import type { DeviceLoop, DevicePixels, DeviceRun, DeviceTensor, StepInputs, UnetDeviceFeeds } from '../pipeline/device-loop';
import type { Tensor } from '../pipeline/tensor';
import { copyGraph, modelInputGraph, pixelsGraph, STEP_COEFS, stepGraph, stepGraphKey, vaeInputGraph } from './loop-graphs';
import { writeOnnxModel, type ElemType, type GraphSpec } from './onnx-writer';
import type { ExecutionProvider, Ort, OrtRunner, RunClock } from './ort-runner';
import { tensorLedger } from './tensor-ledger';
import { transferLedger } from './transfer-ledger';

type OrtTensor = OrtModule.Tensor;
type Session = OrtModule.InferenceSession;

/** Counts what crosses between CPU and device: uploads of CPU tensors and readbacks, by graph and shape. */
export type TransferNote = (component: string, direction: 'upload' | 'readback', dims: readonly number[]) => void;

class Held implements DeviceTensor {
  constructor(readonly tensor: OrtTensor) {}
  get dims(): readonly number[] {
    return this.tensor.dims;
  }
}

const elemType = (t: string): ElemType => (t === 'float16' ? 'float16' : t === 'int32' ? 'int32' : t === 'int64' ? 'int64' : 'float32');

/** The RunClock key of the loop graphs' runs (guidance and step, model input, VAE input, pixels, copies). */
export const LOOP_GRAPHS_CLOCK_KEY = 'loop_graphs';

export class OrtDeviceLoop implements DeviceLoop {
  private readonly graphs = new Map<string, Promise<Session>>();
  /** Where graph outputs that stay in the loop live: GPU buffers on WebGPU, the CPU on the CPU EPs. */
  private readonly deviceLocation: 'gpu-buffer' | 'cpu';

  constructor(
    private readonly ort: Ort,
    private readonly provider: ExecutionProvider,
    private readonly unet: OrtRunner,
    private readonly vae: OrtRunner,
    /** Where the loop graphs' session.run time goes (LOOP_GRAPHS_CLOCK_KEY), beside the models' own. */
    private readonly clock?: RunClock,
    private readonly note: TransferNote = (component, direction, dims) => transferLedger.record(component, direction, dims),
  ) {
    this.deviceLocation = provider === 'webgpu' ? 'gpu-buffer' : 'cpu';
  }

  /** A small graph's session on the models' EP, made once per model and shape-independent. */
  graph(key: string, spec: () => GraphSpec, toDevice: boolean): Promise<Session> {
    const k = `${key}@${toDevice ? 'device' : 'cpu'}`;
    let s = this.graphs.get(k);
    if (!s) {
      s = this.ort.InferenceSession.create(writeOnnxModel(spec()), {
        executionProviders: [this.provider],
        graphOptimizationLevel: 'disabled',
        logSeverityLevel: 3,
        ...(toDevice && this.deviceLocation === 'gpu-buffer' ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
      });
      s.catch(() => this.graphs.delete(k));
      this.graphs.set(k, s);
    }
    return s;
  }

  begin(): DeviceRun {
    return new OrtDeviceRun(this, this.ort, this.unet, this.vae, this.note, this.clock);
  }

  /** The same loop (and its small graphs) over other UNet or VAE decoder sessions: an asset variant for one run. */
  withModels(unet: OrtRunner, vae: OrtRunner): DeviceLoop {
    return { begin: () => new OrtDeviceRun(this, this.ort, unet, vae, this.note, this.clock) };
  }

  async release(): Promise<void> {
    const sessions = await Promise.allSettled(this.graphs.values());
    this.graphs.clear();
    await Promise.all(sessions.map((s) => (s.status === 'fulfilled' ? s.value.release().catch(() => undefined) : undefined)));
  }
}

class OrtDeviceRun implements DeviceRun {
  private readonly live = new Set<Held>();

  constructor(
    private readonly loop: OrtDeviceLoop,
    private readonly ort: Ort,
    private readonly unetRunner: OrtRunner,
    private readonly vae: OrtRunner,
    private readonly note: TransferNote,
    private readonly clock: RunClock | undefined,
  ) {}

  private hold(t: OrtTensor): Held {
    tensorLedger.created();
    const h = new Held(t);
    this.live.add(h);
    return h;
  }

  private cpu(name: string, t: Tensor): OrtTensor {
    this.note(name, 'upload', t.dims);
    return new this.ort.Tensor(t.type, t.data, t.dims);
  }

  private static get(t: DeviceTensor): OrtTensor {
    if (!(t instanceof Held)) throw new Error('not a tensor of this device loop');
    return t.tensor;
  }

  /** Runs a loop graph, then disposes the CPU feeds it was given (`owned`); the caller holds or drops the outputs. */
  private async run(session: Session, feeds: Record<string, OrtTensor>, owned: OrtTensor[] = []): Promise<Record<string, OrtTensor>> {
    const start = performance.now();
    try {
      return await session.run(feeds);
    } finally {
      // Inside session.run, like the models' calls: on WebGPU the run that reads a result (the pixels) also waits
      // there for the GPU to finish the work queued before it.
      this.clock?.record(LOOP_GRAPHS_CLOCK_KEY, performance.now() - start);
      for (const t of owned) t.dispose();
    }
  }

  async upload(t: Tensor, as?: string): Promise<DeviceTensor> {
    const to = elemType(as ?? t.type);
    const session = await this.loop.graph(`copy:${t.type}>${to}`, () => copyGraph(elemType(t.type), to), true);
    const x = this.cpu('device_upload', t);
    const { y } = await this.run(session, { x }, [x]);
    return this.hold(y!);
  }

  async modelInput(latents: DeviceTensor, divisor: number, batch: number): Promise<DeviceTensor> {
    const type = elemType(this.unetRunner.inputs.find((i) => i.name === 'sample')?.type ?? 'float32');
    const session = await this.loop.graph(`model_input:${batch}:${type}`, () => modelInputGraph(batch, type), true);
    const d = this.cpu('model_input', { type: 'float32', data: Float32Array.of(divisor), dims: [1] });
    const { sample } = await this.run(session, { latents: OrtDeviceRun.get(latents), divisor: d }, [d]);
    return this.hold(sample!);
  }

  async unet(f: UnetDeviceFeeds): Promise<DeviceTensor> {
    const timestep = this.unetRunner.ortFeed('timestep', f.timestep);
    const outputs = await this.unetRunner.runOrt({
      sample: OrtDeviceRun.get(f.sample),
      timestep,
      encoder_hidden_states: OrtDeviceRun.get(f.encoderHiddenStates),
      text_embeds: OrtDeviceRun.get(f.textEmbeds),
      time_ids: OrtDeviceRun.get(f.timeIds),
    }, [this.unetRunner.outputs[0]!.name], [timestep]);
    return this.hold(Object.values(outputs)[0]!);
  }

  async step(s: StepInputs): Promise<{ prev: DeviceTensor; x0?: DeviceTensor; carry?: DeviceTensor }> {
    const outputType = elemType(this.unetRunner.outputs[0]!.type);
    const carry = !!s.takesCarry;
    const options = { guided: s.modelOutput.dims[0] === 2, outputType, history: s.takesHistory || carry, x0: s.keepX0, noise: !!s.noise, blend: !!s.blend, carry };
    const session = await this.loop.graph(stepGraphKey(options), () => stepGraph(options), true);
    const { carry: kc, ...k } = s.coefficients;
    const values: Record<(typeof STEP_COEFS)[number], number> = {
      g: s.guidance, ...k, ka: s.blend?.a ?? 0, kb: s.blend?.b ?? 0, ck: kc?.ck ?? 0, dx: kc?.dx ?? 0, d0: kc?.d0 ?? 0, dh: kc?.dh ?? 0, dk: kc?.dk ?? 0,
    };
    const coefs = this.cpu('step', { type: 'float32', data: Float32Array.from(STEP_COEFS, (c) => values[c]), dims: [STEP_COEFS.length] });
    const owned = [coefs];
    const feeds: Record<string, OrtTensor> = { sample: OrtDeviceRun.get(s.sample), model_output: OrtDeviceRun.get(s.modelOutput), coefs };
    if (options.history) feeds.history = OrtDeviceRun.get(s.history ?? s.sample);
    if (carry) feeds.carry = OrtDeviceRun.get(s.carry ?? s.sample);
    if (s.noise) {
      feeds.noise = OrtDeviceRun.get(s.noise.all);
      feeds.noise_index = this.cpu('step', { type: 'int32', data: Int32Array.of(s.noise.index), dims: [] });
      owned.push(feeds.noise_index);
    }
    if (s.blend) Object.assign(feeds, { known: OrtDeviceRun.get(s.blend.known), known_noise: OrtDeviceRun.get(s.blend.knownNoise), mask: OrtDeviceRun.get(s.blend.mask) });
    const out = await this.run(session, feeds, owned);
    return { prev: this.hold(out.prev_sample!), x0: out.x0 ? this.hold(out.x0) : undefined, carry: out.carry_out ? this.hold(out.carry_out) : undefined };
  }

  async decodeToPixels(latents: DeviceTensor, scalingFactor: number, keepSample: boolean): Promise<DevicePixels> {
    const latentType = elemType(this.vae.inputs[0]!.type);
    const input = await this.loop.graph(`vae_input:${latentType}`, () => vaeInputGraph(latentType), true);
    const sf = this.cpu('vae_input', { type: 'float32', data: Float32Array.of(scalingFactor), dims: [1] });
    const { z } = await this.run(input, { latents: OrtDeviceRun.get(latents), scaling_factor: sf }, [sf]);
    const decoded = await this.vae.runOrt({ [this.vae.inputs[0]!.name]: z! }, [this.vae.outputs[0]!.name], [z!]);
    const sample = this.hold(Object.values(decoded)[0]!);
    const sampleType = elemType(this.vae.outputs[0]!.type);
    const pixels = await this.loop.graph(`pixels:${sampleType}`, () => pixelsGraph(sampleType), false);
    const { rgba } = await this.run(pixels, { sample: sample.tensor });
    const [, , height, width] = sample.dims as [number, number, number, number];
    const packed = rgba!.data as Int32Array;
    this.note('pixels', 'readback', rgba!.dims); // the image's one readback
    const bytes = new Uint8ClampedArray(packed.buffer, packed.byteOffset, packed.byteLength);
    const out: DevicePixels = { rgba: bytes, width, height, sample: keepSample ? await this.read(sample) : undefined };
    this.free(sample);
    return out;
  }

  async read(t: DeviceTensor): Promise<Float32Array> {
    const x = OrtDeviceRun.get(t);
    const session = await this.loop.graph(`copy:${x.type}>float32`, () => copyGraph(elemType(x.type), 'float32'), false);
    const { y } = await this.run(session, { x });
    this.note('device_read', 'readback', x.dims);
    return y!.data as Float32Array;
  }

  free(t: DeviceTensor | undefined): void {
    if (!(t instanceof Held) || !this.live.delete(t)) return;
    t.tensor.dispose();
    tensorLedger.disposed();
  }

  release(): void {
    for (const t of [...this.live]) this.free(t);
  }
}
