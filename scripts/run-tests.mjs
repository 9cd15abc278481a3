// `npm test`: typecheck, lint, unit tests (Vitest, Node) and end-to-end tests (Playwright, Chromium + WebGPU),
// then one closing line "N passed, N failed" over both test runners.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

// Not test-results/: Playwright empties that folder when it starts.
const results = '.test-reports';
rmSync(`${results}/unit.json`, { force: true });
rmSync(`${results}/e2e.json`, { force: true });
mkdirSync(results, { recursive: true });

const run = (label, cmd, args, env = {}) => {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
};

const steps = [
  run('typecheck', 'npm', ['run', '--silent', 'typecheck']),
  run('lint', 'npm', ['run', '--silent', 'lint']),
  run('unit', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}/unit.json`]),
  run('e2e', 'npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: `${results}/e2e.json` }),
];

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(`${results}/unit.json`)) {
  const u = JSON.parse(readFileSync(`${results}/unit.json`, 'utf8'));
  passed += u.numPassedTests;
  failed += u.numFailedTests;
  skipped += u.numPendingTests + (u.numTodoTests ?? 0);
}
if (existsSync(`${results}/e2e.json`)) {
  const e = JSON.parse(readFileSync(`${results}/e2e.json`, 'utf8'));
  passed += e.stats.expected;
  failed += e.stats.unexpected + e.stats.flaky;
  skipped += e.stats.skipped;
}
const checksFailed = steps.filter((ok) => !ok).length;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (checksFailed > 0 || failed > 0 || passed === 0) process.exit(1);
