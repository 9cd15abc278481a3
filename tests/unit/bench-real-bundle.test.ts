// The device kit's benchmark: `bench:real` bundled into one .mjs that plain node runs (the GPU machine has no npm or
// tsx). It must build without the repository-only tools (Vite, Playwright) and run the Node runner end to end.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const out = `.bench/test-bundle-${process.pid}.mjs`;

afterAll(() => rm(out, { force: true }));

describe('bench:real bundle', () => {
  it('builds, leaves Vite and Playwright out, and prints the benchmark JSON for the tiny model', { timeout: 180_000 }, async () => {
    await run('node', ['scripts/bundle-bench-real.mjs', out]);
    const { stdout } = await run('node', [out, '--model', 'test-data/tiny-sdxl', '--providers', 'node-cpu', '--size', '64', '--steps', '1', '--runs', '1', '--cfg', '1,3']);
    const result = JSON.parse(stdout) as { providers: Record<string, Record<string, unknown>> };
    const cpu = result.providers['node-cpu']!;
    for (const cfg of ['cfg_1', 'cfg_3']) {
      expect(cpu[cfg]).toMatchObject({ uploads_per_step: 1, readbacks_per_step: 1 });
      expect((cpu[cfg] as { overhead_pct: number }).overhead_pct).toBeGreaterThanOrEqual(0);
    }
    // One static session per UNet batch: 1 for CFG 1, 2 for CFG 3.
    const profile = cpu.unet_profile as Record<string, { shapes: string; kernels_per_unet_call: number }>;
    expect(profile.batch_1!.shapes).toBe('static (batch_size=1,height=8,sequence_length=77,width=8)');
    expect(profile.batch_2!.shapes).toBe('static (batch_size=2,height=8,sequence_length=77,width=8)');
    expect(profile.batch_1!.kernels_per_unet_call).toBeGreaterThan(0);
    // The Chromium provider is the repository's: the bundle carries a stub that says so, not Vite or a browser driver.
    const text = await readFile(out, 'utf8');
    expect(text).toContain('chromium-webgpu runs from the repository');
    expect(text).not.toMatch(/from ["'](vite|@playwright\/test)["']/);
  });
});
