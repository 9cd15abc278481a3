// chromium-webgpu for `bench:real`: not implemented yet.
export async function benchChromium(_c: { dataDir: string; size: number; steps: number; cfgs: number[]; runs: number }): Promise<Record<string, unknown>> {
  return { error: 'chromium-webgpu: not implemented yet' };
}
