// The fuzz tests' fixed seed and run counts: every CI run replays the same cases; FUZZ_SEED explores others locally.
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);

/** fast-check parameters: the fixed seed and an explicit number of cases (no shrinking time limit beyond vitest's). */
export function fuzzParams(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns };
}

/** One JSON line the report can quote: which property ran how many cases, and how they split. */
export function reportCounts(name: string, counts: Record<string, number>): void {
  console.log(JSON.stringify({ fuzz: name, seed: FUZZ_SEED, ...counts }));
}
