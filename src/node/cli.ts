// Entry of `npm run generate`: runs the CLI on this process's arguments and streams, and exits with its code.
import { runCli } from './cli-run';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

let interrupts = 0;
const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin,
  onInterrupt: (listener) => process.on('SIGINT', () => {
    // The first Ctrl+C cancels at the next step (a download keeps what arrived); a second one quits at once.
    if (++interrupts > 1) process.exit(130);
    listener();
  }),
});
// onnxruntime's threads must not hold the process open once the work is done.
process.exit(code);
