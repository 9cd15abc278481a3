// Process CPU time (user + system) spent inside each UNet call: on a real GPU, roughly the cost of encoding it.
import type { ModelRunner } from '../../src/pipeline/runners';

export function timedUnet(unet: ModelRunner, cpuMs: number[]): ModelRunner {
  return {
    inputs: unet.inputs,
    outputs: unet.outputs,
    async run(feeds, outputNames) {
      const cpu0 = process.cpuUsage();
      const out = await unet.run(feeds, outputNames);
      const cpu = process.cpuUsage(cpu0);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      return out;
    },
  };
}
