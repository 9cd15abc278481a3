// Writes a generation's images as <n>.png (or <n>.jpg) with <n>.json beside each: the request, seed, model, timings.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerateResponse } from '../schema/response';

export interface ImageMetadata {
  request: unknown;
  seed: number;
  width: number;
  height: number;
  model: Record<string, unknown>;
  timings: Record<string, unknown>;
}

export async function writeOutputs(out: string, response: GenerateResponse, encoding: 'png' | 'jpeg', meta: Omit<ImageMetadata, 'seed' | 'width' | 'height'>): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  for (const [n, img] of response.images.entries()) {
    const file = join(out, `${n}.${encoding === 'png' ? 'png' : 'jpg'}`);
    await writeFile(file, Buffer.from(img.image_b64, 'base64'));
    const m: ImageMetadata = { ...meta, seed: img.seed, width: img.width, height: img.height };
    await writeFile(join(out, `${n}.json`), `${JSON.stringify(m, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
