// The OctoAI sampler names, in the API's order.
export const SAMPLERS = [
  'DDIM',
  'DDPM',
  'PNDM',
  'KLMS',
  'K_EULER',
  'K_EULER_ANCESTRAL',
  'DPM_SOLVER_MULTISTEP',
  'DPM_PLUS_PLUS_2M_KARRAS',
  'DPM_SINGLE',
  'UNI_PC',
  'DPM_2',
  'DPM_2_ANCESTRAL',
  'HEUN',
  'DPM_PLUS_PLUS_SDE_KARRAS',
] as const;
export type Sampler = (typeof SAMPLERS)[number];
