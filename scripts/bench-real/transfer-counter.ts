// Counts full-latent transfers at the UNet runner's boundary: CPU tensors fed in (uploads) and handed back (readbacks).
import type { ModelRunner } from '../../src/pipeline/runners';
import type { Tensor } from '../../src/pipeline/tensor';

export interface TransferCounts {
  calls: number;
  uploads: number;
  readbacks: number;
  /** Process CPU time (user + system) spent inside each call, ms. */
  cpuMs: number[];
}

/** A latent-shaped tensor: [batch, channels, h, w] with the request's latent plane. */
const isLatent = (t: Tensor, plane: readonly number[]) => t.dims.length === 4 && t.dims[2] === plane[0] && t.dims[3] === plane[1];
/** CPU data (a typed array), as opposed to a tensor that stays on the device. */
const onCpu = (t: Tensor) => ArrayBuffer.isView(t.data);

export function countingUnet(unet: ModelRunner, latentPlane: () => readonly number[], counts: TransferCounts): ModelRunner {
  return {
    inputs: unet.inputs,
    outputs: unet.outputs,
    async run(feeds, outputNames) {
      const plane = latentPlane();
      counts.calls++;
      counts.uploads += Object.values(feeds).filter((t) => isLatent(t, plane) && onCpu(t)).length;
      const cpu0 = process.cpuUsage();
      const out = await unet.run(feeds, outputNames);
      const cpu = process.cpuUsage(cpu0);
      counts.cpuMs.push((cpu.user + cpu.system) / 1000);
      counts.readbacks += Object.values(out).filter((t) => isLatent(t, plane) && onCpu(t)).length;
      return out;
    },
  };
}

export const newCounts = (): TransferCounts => ({ calls: 0, uploads: 0, readbacks: 0, cpuMs: [] });
