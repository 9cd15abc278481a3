// A scheduler step as a linear combination, so it can run as one small graph on the device (no per-element JS):
//   ε  = model output (after guidance),   x₀ = ax·x + ae·ε,
//   x' = cx·x + ce·ε + c0·x₀ + ch·h + cn·n + ck·k   (h: the previous step's x₀, n: this step's fresh noise,
//   k: a carried tensor the previous step made), and k' = dx·x + d0·x₀ + dh·h + dk·k for the next step (UniPC's
//   corrector: the next step's corrected sample, less its own x₀ term).
import { f32 } from '../float32-math';

export interface LinearStep {
  ax: number;
  ae: number;
  cx: number;
  ce: number;
  c0: number;
  ch: number;
  cn: number;
  /** The carried tensor's share of x' and the next carried tensor's coefficients (samplers with usesCarry). */
  carry?: CarryCoefficients;
}

export interface CarryCoefficients {
  ck: number;
  dx: number;
  d0: number;
  dh: number;
  dk: number;
}

/** The samplers whose steps are linear in their inputs implement this beside `step`. */
export interface LinearStepper {
  /** Whether this configuration's step is linear (e.g. not DDIM with clip_sample, not an unsupported prediction type). */
  linearStepSupported(): boolean;
  /** Advances the scheduler exactly as `step` does and returns the step's coefficients instead of computing it. */
  linearStep(timestep: number): LinearStep;
  /** What `scaleModelInput` divides by at the current step (1 when it does not scale). */
  modelInputDivisor(): number;
  /** `addNoise(x, n, t)` as a·x + b·n. */
  noiseCoefficients(timestep: number): { a: number; b: number };
  /** Each step takes a fresh noise draw of the latents' size that it uses (n above). */
  readonly usesStepNoise: boolean;
  /** Each step needs the previous step's x₀ (h above). */
  readonly usesHistory: boolean;
  /** Each step takes the carried tensor the previous step made (k above), and makes the next. */
  readonly usesCarry?: boolean;
}

export const isLinearStepper = (s: object): s is LinearStepper => typeof (s as Partial<LinearStepper>).linearStep === 'function';

/** x₀ = ax·x + ae·out for σ-space schedulers (predictOriginalSigma's coefficients). */
export function sigmaX0Coefficients(predictionType: string, sigma: number): { ax: number; ae: number } {
  if (predictionType === 'epsilon') return { ax: 1, ae: -sigma };
  if (predictionType === 'v_prediction') {
    const s2 = f32(f32(sigma * sigma) + 1);
    return { ax: f32(1 / s2), ae: f32(-sigma / f32(Math.sqrt(s2))) };
  }
  throw new Error(`prediction_type ${predictionType} is not supported`);
}

/** An Euler move from σ to σ + dt as a linear step: x + dt·(x − x₀)/σ, plus σ_up·n for the ancestral sampler. */
export function eulerLinearStep(predictionType: string, sigma: number, dt: number, sigmaUp = 0): LinearStep {
  const { ax, ae } = sigmaX0Coefficients(predictionType, sigma);
  const r = f32(dt / sigma);
  // With ε-prediction x − x₀ = σ·ε exactly, so the step is x + dt·ε; otherwise through x₀.
  return predictionType === 'epsilon'
    ? { ax, ae, cx: 1, ce: dt, c0: 0, ch: 0, cn: sigmaUp }
    : { ax, ae, cx: f32(1 + r), ce: 0, c0: -r, ch: 0, cn: sigmaUp };
}
