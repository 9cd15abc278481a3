// Writes the e2e fixtures for restoring a request from a picture: 64×64 PNGs as Automatic1111 (a `parameters` tEXt
// chunk before IDAT, as PIL writes it) and ComfyUI (a `prompt` tEXt chunk) make them. Independent of src/: pngjs for
// the image, node:zlib's crc32 for the chunk. Run: npx tsx scripts/make-metadata-fixtures.ts
import { writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';

const OUT = new URL('../test-data/image-metadata/', import.meta.url);

function withText(keyword: string, text: string): Buffer {
  const png = new PNG({ width: 64, height: 64 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([(i / 4) % 64 * 4, 90, 160, 255], i);
  const bytes = PNG.sync.write(png);
  const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([Buffer.from('tEXt'), data])), 8 + data.length);
  const idat = bytes.indexOf('IDAT') - 4;
  return Buffer.concat([bytes.subarray(0, idat), chunk, bytes.subarray(idat)]);
}

// A real-looking A1111 1.10 infotext: weights, commas, a LoRA tag, BREAK, and keys we do not map.
export const A1111_PARAMETERS = '(masterpiece:1.2), a lighthouse on a cliff, "storm" BREAK\ncrashing waves <lora:add_detail:0.7>\n'
  + 'Negative prompt: (worst quality, low quality:1.4), watermark\n'
  + 'Steps: 6, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 2.5, Seed: 1234567, Size: 64x96, Model hash: 31e35c80fc, '
  + 'Model: sd_xl_base_1.0, Lora hashes: "add_detail: 7c6bad76eb54", Version: v1.10.1';

export const COMFY_PROMPT = {
  3: { class_type: 'KSampler', inputs: { seed: 99, steps: 5, cfg: 1.5, sampler_name: 'euler_ancestral', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
  4: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sdxl_lightning_4step.safetensors' } },
  5: { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
  6: { class_type: 'CLIPTextEncode', inputs: { text: 'a paper boat on a pond', clip: ['4', 1] } },
  7: { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] } },
  8: { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  9: { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
};

if (process.argv[1]?.endsWith('make-metadata-fixtures.ts')) {
  writeFileSync(new URL('a1111-parameters.png', OUT), withText('parameters', A1111_PARAMETERS));
  writeFileSync(new URL('comfyui-prompt.png', OUT), withText('prompt', JSON.stringify(COMFY_PROMPT)));
}
