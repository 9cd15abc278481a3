// Whether the widget's storage is partitioned (embedded by another site), and the Storage Access API's way out: the
// unpartitioned OPFS directory of the widget's own site, where the full app keeps its models.

/** The top-level site's origin, where the browser tells it (Chromium's and WebKit's location.ancestorOrigins). */
export function topOrigin(): string | undefined {
  if (window.parent === window) return location.origin;
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  return ancestors && ancestors.length > 0 ? ancestors.item(ancestors.length - 1) ?? undefined : undefined;
}

/** A site is scheme + registrable domain; without the public-suffix list, the last two host labels stand in for it. */
const site = (origin: string) => {
  const u = new URL(origin);
  return `${u.protocol}//${/^[\d.]+$|^\[/.test(u.hostname) ? u.hostname : u.hostname.split('.').slice(-2).join('.')}`;
};

/** True when embedded by another site: then this browser gives the widget a separate store for that site. */
export function storageIsPartitioned(): boolean {
  const top = topOrigin();
  if (window.parent === window) return false;
  return top === undefined || site(top) !== site(location.origin);
}

/** Whether this context may use the Origin Private File System (Chromium denies it to cross-site frames by default). */
export async function storageAvailable(): Promise<boolean> {
  try {
    await navigator.storage.getDirectory();
    return true;
  } catch {
    return false;
  }
}

interface StorageAccessHandle {
  getDirectory?: () => Promise<FileSystemDirectoryHandle>;
}

/** Asks (needs a click) for unpartitioned storage; answers the app's OPFS root, or why not. */
export async function requestUnpartitionedStore(): Promise<{ ok: true; root: FileSystemDirectoryHandle } | { ok: false; reason: string }> {
  const request = (document as Document & { requestStorageAccess?: (types?: { all?: boolean }) => Promise<StorageAccessHandle | undefined> }).requestStorageAccess;
  if (!request) return { ok: false, reason: 'This browser has no Storage Access API.' };
  try {
    const handle = await request.call(document, { all: true });
    if (!handle?.getDirectory) return { ok: false, reason: 'This browser grants storage access for cookies only, not for stored files.' };
    return { ok: true, root: await handle.getDirectory() };
  } catch (e) {
    return { ok: false, reason: `The browser declined storage access (${e instanceof Error ? e.message : String(e)}).` };
  }
}
