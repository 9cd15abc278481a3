// The CLI's command line: `generate <request.json|-> --model <dir|repo id> --out <dir> [flags]`, checked with zod.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const USAGE = `Usage: npm run generate -- <request.json | -> --model <folder | owner/name[@revision]> --out <folder>
         [--provider cpu|webgpu] [--hub URL] [--cache DIR] [--graph-opt disabled|basic|extended|all]
         [--asset kind:name=source ...]

  request.json  an OctoAI POST /generate/sdxl body ("-" reads it from stdin)
  --model       an SDXL ONNX folder in the Optimum layout, or a Hugging Face repo id (downloaded into --cache)
  --out         where <n>.png (or .jpg) and <n>.json are written
  --provider    onnxruntime-node's CPU EP (default) or its WebGPU EP (Dawn on Vulkan)
  --hub         the Hub endpoint repo ids resolve against (default https://huggingface.co)
  --cache       where downloaded models are kept (default ~/.cache/sdxl-lightning-web)
  --graph-opt   onnxruntime's graph optimisation level (default all; fp16 models on the CPU EP want basic)
  --asset       adds an asset the request can name (repeatable): kind lora, textual_inversion, vae or refiner;
                source a file or folder here, a URL or a Hub id; kept in --cache's asset library (added once)`;

const argsSchema = z.object({
  request: z.string().min(1),
  model: z.string().min(1, '--model is required'),
  out: z.string().min(1, '--out is required'),
  provider: z.enum(['cpu', 'webgpu']).default('cpu'),
  hub: z.url({ protocol: /^https?$/, error: '--hub must be an http(s) URL' }).optional(),
  cache: z.string().min(1).default(join(homedir(), '.cache', 'sdxl-lightning-web')),
  graphOpt: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
  asset: z.array(z.string()).max(64, '--asset may be given at most 64 times').default([]),
});

export type CliArgs = z.output<typeof argsSchema>;

/** The parsed arguments, or the reason they are not usable (to print above the usage). */
export function parseCliArgs(argv: readonly string[]): { ok: true; args: CliArgs } | { ok: false; message: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        model: { type: 'string' }, out: { type: 'string' }, provider: { type: 'string' }, hub: { type: 'string' },
        cache: { type: 'string' }, 'graph-opt': { type: 'string' }, asset: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: false, message: '' };
  if (positionals.length !== 1) return { ok: false, message: `Give exactly one request file (or "-" for stdin); got ${positionals.length}.` };
  const r = argsSchema.safeParse({
    request: positionals[0], model: values.model ?? '', out: values.out ?? '', provider: values.provider, hub: values.hub,
    cache: values.cache, graphOpt: values['graph-opt'], asset: values.asset,
  });
  if (!r.success) {
    const flag = (path: PropertyKey[]) => (path[0] === 'graphOpt' ? '--graph-opt' : `--${String(path[0])}`);
    return { ok: false, message: r.error.issues.map((i) => (i.message.startsWith('--') ? i.message : `${flag(i.path)}: ${i.message}`)).join('\n') };
  }
  return { ok: true, args: r.data };
}
