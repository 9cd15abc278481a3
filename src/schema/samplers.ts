// The OctoAI sampler names: the API page's 14 in its order, then the six more that @octoai/sdk 1.11's Scheduler enum sends.
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
  'K_HEUN',
  'LMS',
  'DPM_PLUS_PLUS_2M_SDE',
  'DPM_PLUS_PLUS_2M_SDE_KARRAS',
  'DPM_2_KARRAS',
  'DPM_2_ANCESTRAL_KARRAS',
] as const;
export type Sampler = (typeof SAMPLERS)[number];

/** Samplers that call the UNet twice per step. */
export const SECOND_ORDER_SAMPLERS: readonly Sampler[] = [
  'DPM_2', 'DPM_2_ANCESTRAL', 'HEUN', 'DPM_PLUS_PLUS_SDE_KARRAS', 'K_HEUN', 'DPM_2_KARRAS', 'DPM_2_ANCESTRAL_KARRAS',
];

/** How the form lists them: what suits Lightning's trailing timesteps first, the 2×-cost ones last. */
export const SAMPLER_GROUPS: { label: string; options: readonly Sampler[] }[] = [
  { label: 'Recommended for Lightning', options: ['K_EULER', 'K_EULER_ANCESTRAL', 'DPM_SOLVER_MULTISTEP', 'DDIM'] },
  {
    label: 'Others',
    options: ['DDPM', 'PNDM', 'KLMS', 'LMS', 'DPM_PLUS_PLUS_2M_KARRAS', 'DPM_PLUS_PLUS_2M_SDE', 'DPM_PLUS_PLUS_2M_SDE_KARRAS', 'DPM_SINGLE', 'UNI_PC'],
  },
  { label: 'Premium (2 UNet calls per step, ~2× slower)', options: SECOND_ORDER_SAMPLERS },
];
