// `npm run bench`: the app bench (scripts/bench.ts), which gets this command's flags, then the LoRA, preview and
// gallery benches at their defaults; each prints its JSON. A plain `a && b` script chain handed `npm run bench -- …`'s
// flags to its last command (the gallery bench), not to bench.ts.
import { spawnSync } from 'node:child_process';

const benches: string[][] = [
  ['scripts/bench.ts', ...process.argv.slice(2)],
  ['--expose-gc', 'scripts/bench-lora.ts', '--div', '8'],
  ['scripts/bench-preview.ts'],
  ['scripts/bench-gallery.ts'],
];
for (const args of benches) {
  const r = spawnSync('tsx', args, { stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}
