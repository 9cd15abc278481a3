// Run as a child process with SwiftShader's Vulkan driver in its environment (see node-webgpu.test.ts): the tiny model
// on onnxruntime-node's native WebGPU EP, one seeded txt2img through the device loop; prints the result as JSON.
import { generate } from '../../src/pipeline/generate';
import { loadNodeModel } from '../../src/node/load-node-model';
import { transferLedger } from '../../src/runtime/transfer-ledger';
import { modelDir } from './reference';

const request = JSON.parse(process.argv[2]!);
const model = await loadNodeModel(modelDir, { provider: 'webgpu' });
const mark = transferLedger.mark();
const result = await generate(model.components, request, { randomSeed: () => 0, keepIntermediates: true });
const img = result.images[0]!;
process.stdout.write(`${JSON.stringify({
  denoiseLoop: result.denoiseLoop,
  denoiseSteps: result.denoiseSteps,
  finalLatents: Array.from(img.finalLatents!),
  rgba: Buffer.from(img.rgba).toString('base64'),
  transfers: transferLedger.since(mark),
})}\n`);
await model.release();
