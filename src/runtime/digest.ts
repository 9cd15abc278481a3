// File digests as the Hub names them: SHA-256 (LFS files) or git's blob id (SHA-1 over "blob <size>\0" + content),
// streaming, with a state that can be saved and restored (hash-wasm).
import { createSHA1, createSHA256, type IHasher } from 'hash-wasm';

export type DigestAlgorithm = 'sha256' | 'git-sha1';

/** Starts (or starts over) a digest of a file of `size` bytes. */
export function restartDigest(hasher: IHasher, algorithm: DigestAlgorithm, size: number): void {
  hasher.init();
  if (algorithm === 'git-sha1') hasher.update(`blob ${size}\0`);
}

export async function newDigest(algorithm: DigestAlgorithm, size: number): Promise<IHasher> {
  const hasher = algorithm === 'sha256' ? await createSHA256() : await createSHA1();
  restartDigest(hasher, algorithm, size);
  return hasher;
}

/** The digest of a Blob, read as a stream (never whole in memory). */
export async function digestBlob(blob: Blob, algorithm: DigestAlgorithm): Promise<string> {
  const hasher = await newDigest(algorithm, blob.size);
  const reader = blob.stream().getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) hasher.update(r.value);
  return hasher.digest('hex');
}
