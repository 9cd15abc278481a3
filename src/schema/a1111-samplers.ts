// OctoAI sampler names ↔ Automatic1111's display names, in A1111 ≥ 1.9's convention: the sampler plus `Schedule type`.
import { SAMPLERS, type Sampler } from './samplers';

/** How A1111 names a sampler: its display name and, for the Karras variants, `Schedule type: Karras`. */
export interface A1111Sampler { name: string; schedule?: 'Karras' }

// DDPM and DPM_SINGLE have no A1111 sampler: they are written under their OctoAI names (the reader takes those too).
const TO_A1111: Record<Sampler, A1111Sampler> = {
  DDIM: { name: 'DDIM' },
  DDPM: { name: 'DDPM' },
  PNDM: { name: 'PLMS' },
  KLMS: { name: 'LMS' },
  LMS: { name: 'LMS' },
  K_EULER: { name: 'Euler' },
  K_EULER_ANCESTRAL: { name: 'Euler a' },
  DPM_SOLVER_MULTISTEP: { name: 'DPM++ 2M' },
  DPM_PLUS_PLUS_2M_KARRAS: { name: 'DPM++ 2M', schedule: 'Karras' },
  DPM_SINGLE: { name: 'DPM_SINGLE' },
  UNI_PC: { name: 'UniPC' },
  DPM_2: { name: 'DPM2' },
  DPM_2_ANCESTRAL: { name: 'DPM2 a' },
  DPM_2_KARRAS: { name: 'DPM2', schedule: 'Karras' },
  DPM_2_ANCESTRAL_KARRAS: { name: 'DPM2 a', schedule: 'Karras' },
  HEUN: { name: 'Heun' },
  K_HEUN: { name: 'Heun' },
  DPM_PLUS_PLUS_SDE_KARRAS: { name: 'DPM++ SDE', schedule: 'Karras' },
  DPM_PLUS_PLUS_2M_SDE: { name: 'DPM++ 2M SDE' },
  DPM_PLUS_PLUS_2M_SDE_KARRAS: { name: 'DPM++ 2M SDE', schedule: 'Karras' },
};

export function toA1111Sampler(s: Sampler): A1111Sampler {
  return TO_A1111[s];
}

/** Where two OctoAI names share an A1111 name, the one the reader picks. */
const PREFERRED: Partial<Record<string, Sampler>> = { LMS: 'KLMS', Heun: 'HEUN' };
/** Schedules that leave the sampler's own (the checkpoint's) timesteps: nothing to map, nothing lost. */
const DEFAULT_SCHEDULES = new Set(['automatic', 'uniform']);

/**
 * An A1111 sampler (+ schedule type) → OctoAI's name. Takes A1111 < 1.9's joined names ("DPM++ 2M Karras") and
 * OctoAI names too. `scheduleLost`: the schedule type had no OctoAI equivalent for that sampler.
 */
export function fromA1111Sampler(name: string, schedule?: string): { sampler?: Sampler; scheduleLost: boolean } {
  if ((SAMPLERS as readonly string[]).includes(name)) return { sampler: name as Sampler, scheduleLost: schedule !== undefined && !DEFAULT_SCHEDULES.has(schedule.toLowerCase()) };
  let base = name.trim();
  let sched = schedule?.trim();
  const joined = /^(.*) (Karras|Exponential|Polyexponential|SGM Uniform)$/i.exec(base);
  if (joined && !sched) { base = joined[1]!; sched = joined[2]; }
  const karras = sched?.toLowerCase() === 'karras';
  const candidates = SAMPLERS.filter((s) => TO_A1111[s].name.toLowerCase() === base.toLowerCase());
  if (candidates.length === 0) return { scheduleLost: false };
  const exact = candidates.filter((s) => (TO_A1111[s].schedule === 'Karras') === karras);
  const pick = (list: Sampler[]) => list.find((s) => s === PREFERRED[TO_A1111[s].name]) ?? list[0];
  if (exact.length > 0) return { sampler: pick(exact), scheduleLost: !karras && sched !== undefined && !DEFAULT_SCHEDULES.has(sched.toLowerCase()) };
  return { sampler: pick(candidates.filter((s) => !TO_A1111[s].schedule)) ?? pick(candidates), scheduleLost: sched !== undefined && !DEFAULT_SCHEDULES.has(sched.toLowerCase()) };
}
