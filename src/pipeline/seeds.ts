// One seed per image: a list as given, a single seed N as N, N+1, … (each image reproducible alone), or random.
import { MAX_SEED } from '../schema/request';

export function resolveSeeds(seed: number | number[] | undefined, count: number, randomSeed: () => number): number[] {
  if (Array.isArray(seed)) return seed.slice();
  const base = seed ?? randomSeed();
  return Array.from({ length: count }, (_, i) => (base + i) % (MAX_SEED + 1));
}
