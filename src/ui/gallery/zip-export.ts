// Export of chosen results as one .zip (fflate's streaming Zip): every image as its file, and requests.json describing them.
import { strToU8, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { GalleryEntry } from '../gallery';
import { base64Bytes } from './thumbnails';

export interface ZipFile {
  name: string;
  bytes: Uint8Array;
}

/** The file name of image `index` of a result: when, which image, which seed. */
export function imageFileName(entry: GalleryEntry, index: number): string {
  const img = entry.response.images[index]!;
  const ext = entry.request.image_encoding === 'jpeg' ? 'jpg' : 'png';
  return `sdxl-${entry.createdAt}-${index + 1}-seed${img.seed}.${ext}`;
}

/** What requests.json says of a result: the request as sent, the files it made, seeds, model and timings. */
export function exportRecord(entry: GalleryEntry) {
  return {
    created_at: new Date(entry.createdAt).toISOString(),
    model: entry.modelId ?? null,
    request: entry.request,
    images: entry.response.images.map((img, i) => ({ file: imageFileName(entry, i), seed: img.seed, width: img.width, height: img.height })),
    latency_ms: entry.response.latency_ms,
    prediction_time_ms: entry.response.prediction_time_ms,
  };
}

/** Streams files into a zip; images are stored as they are (already compressed), text is deflated. */
export function buildZip(files: Iterable<ZipFile>): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    const zip = new Zip((err, chunk, final) => {
      if (err) return reject(err);
      chunks.push(chunk as Uint8Array<ArrayBuffer>);
      if (final) resolve(new Blob(chunks, { type: 'application/zip' }));
    });
    for (const file of files) {
      const entry = /\.(json|txt)$/.test(file.name) ? new ZipDeflate(file.name, { level: 6 }) : new ZipPassThrough(file.name);
      zip.add(entry);
      entry.push(file.bytes, true);
    }
    zip.end();
  });
}

/** The zip of results: each image, and requests.json (an array, in the order given). */
export function zipResults(entries: readonly GalleryEntry[]): Promise<Blob> {
  function* files(): Generator<ZipFile> {
    for (const entry of entries) {
      for (let i = 0; i < entry.response.images.length; i++) {
        yield { name: imageFileName(entry, i), bytes: base64Bytes(entry.response.images[i]!.image_b64) };
      }
    }
    yield { name: 'requests.json', bytes: strToU8(JSON.stringify(entries.map(exportRecord), null, 2)) };
  }
  return buildZip(files());
}
