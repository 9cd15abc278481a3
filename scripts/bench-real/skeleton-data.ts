// The filled skeleton for `bench:real`: runs the skeleton's own fill.mjs for the components whose data is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface SkeletonManifest {
  components: Record<string, { files: Record<string, { bytes: number }> }>;
}

/** Bytes each data file of each component must have, from the skeleton's manifest.json. */
export function expectedDataFiles(variantDir: string): Record<string, Record<string, number>> {
  const manifest = JSON.parse(readFileSync(join(variantDir, 'manifest.json'), 'utf8')) as SkeletonManifest;
  return Object.fromEntries(Object.entries(manifest.components).map(([c, v]) => [c, Object.fromEntries(Object.entries(v.files).map(([f, x]) => [f, x.bytes]))]));
}

function complete(dir: string, files: Record<string, number>): boolean {
  return Object.entries(files).every(([f, size]) => existsSync(join(dir, f)) && statSync(join(dir, f)).size === size);
}

/**
 * Makes sure `dataDir` holds the given components with full-size data (fill.mjs writes the graphs, configs and
 * tokenizers too); returns the components that were filled now. Data files of the wrong size are rewritten.
 */
export function ensureFilled(skeletonDir: string, precision: string, dataDir: string, components: string[], log: (s: string) => void): string[] {
  const variantDir = join(skeletonDir, precision);
  const expected = expectedDataFiles(variantDir);
  const missing = components.filter((c) => {
    if (!expected[c]) throw new Error(`the skeleton's ${precision}/manifest.json has no component "${c}"`);
    return !existsSync(join(dataDir, c, 'model.onnx')) || !complete(join(dataDir, c), expected[c]!);
  });
  if (missing.length) {
    log(`filling ${missing.join(', ')} (${precision}) into ${dataDir} with the skeleton's fill.mjs`);
    execFileSync(process.execPath, [join(skeletonDir, 'fill.mjs'), variantDir, '--out', dataDir, '--only', missing.join(',')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return missing;
}

export const hasData = (dataDir: string, component: string, skeletonDir: string, precision: string): boolean => {
  const expected = expectedDataFiles(join(skeletonDir, precision))[component];
  return !!expected && complete(join(dataDir, component), expected);
};
