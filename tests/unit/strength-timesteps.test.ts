// img2img strength → timesteps: diffusers' rule (matching the fixture runs), plus at least one step.
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/pipeline/schedulers';
import { strengthSchedule } from '../../src/pipeline/strength-timesteps';
import { tinyModel } from './node-model';

describe('strengthSchedule', () => {
  it('matches the diffusers img2img fixture runs (4 steps, trailing)', async () => {
    const { components } = await tinyModel();
    const s = createScheduler('K_EULER', components.schedulerConfig);
    s.setTimesteps(4);
    expect(strengthSchedule(s.timesteps, s.order, 4, 0.5).timesteps).toEqual([499, 249]); // i2i_s050
    expect(strengthSchedule(s.timesteps, s.order, 4, 0.8).timesteps).toEqual([749, 499, 249]); // i2i_s080
    expect(strengthSchedule(s.timesteps, s.order, 4, 0.6).timesteps).toEqual([499, 249]); // seeded i2i s060: int(2.4) = 2
    expect(strengthSchedule(s.timesteps, s.order, 4, 1)).toEqual({ timesteps: [999, 749, 499, 249], beginIndex: 0, steps: 4 });
  });

  it('runs at least one step where diffusers would run none (strength < 1/steps)', () => {
    expect(strengthSchedule([999, 749, 499, 249], 1, 4, 0.1)).toEqual({ timesteps: [249], beginIndex: 3, steps: 1 });
    expect(strengthSchedule([999, 499], 1, 2, 0.01).steps).toBe(1);
  });

  it('slices second-order schedules by order, as diffusers does', async () => {
    const { components } = await tinyModel();
    const heun = createScheduler('HEUN', components.schedulerConfig);
    heun.setTimesteps(4);
    // Heun's schedule is 999, 749, 749, 499, 499, 249, 249: diffusers starts at index 2·2 = 4.
    expect(strengthSchedule(heun.timesteps, heun.order, 4, 0.5)).toEqual({ timesteps: [499, 249, 249], beginIndex: 4, steps: 2 });
  });
});
