// Runs the same request through the pipeline in Node (onnxruntime-web's wasm EP on the fixture model) and returns
// a PNG, so e2e tests can compare the browser's WebGPU result with it.
import { PNG } from 'pngjs';
import { generate as txt2img } from '../src/pipeline/generate';
import { validateRequest } from '../src/schema/validate';
import { tinyModel } from '../tests/unit/node-model';

export async function nodeReferencePng(body: Record<string, unknown>): Promise<string> {
  const { components, info } = await tinyModel();
  const v = validateRequest(body, { sizeRule: info.sizeRule }, info.defaultSize);
  if (!v.ok) throw new Error(JSON.stringify(v.detail));
  const { images } = await txt2img(components, v.request, { randomSeed: () => 0, timestepSpacing: 'trailing' });
  const img = images[0]!;
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.rgba);
  return PNG.sync.write(png).toString('base64');
}
