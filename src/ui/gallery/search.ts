// Gallery search, DOM-free: entries whose prompt holds every word of the query (any case), favourites only on demand.

export interface SearchableEntry {
  prompt: string;
  favourite?: boolean;
}

export interface GalleryFilter {
  query: string;
  favouritesOnly: boolean;
}

/** Lower-case words of a query; quotes group a phrase ("red car" matches that phrase). */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  for (const m of query.toLowerCase().matchAll(/"([^"]*)"|(\S+)/g)) {
    const t = (m[1] ?? m[2] ?? '').trim();
    if (t) terms.push(t);
  }
  return terms;
}

/** The entries matching the filter, in their order. */
export function filterEntries<T extends SearchableEntry>(entries: readonly T[], filter: GalleryFilter): T[] {
  const terms = queryTerms(filter.query);
  return entries.filter((e) => {
    if (filter.favouritesOnly && !e.favourite) return false;
    if (terms.length === 0) return true;
    const text = e.prompt.toLowerCase();
    return terms.every((t) => text.includes(t));
  });
}
