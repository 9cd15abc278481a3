// An InferenceSession stand-in that runs each call on a session made for that call's shape (freeDimensionOverrides),
// kept in a bounded per-shape cache: the same size never rebuilds a session, and new sizes release the oldest.
import type * as OrtModule from 'onnxruntime-web';
import type { DeclaredInput } from './onnx-input-dims';
import { ShapeSessionCache, type SessionCacheEvent } from './session-cache';
import { dimValues, shapeKey, type DimValues } from './session-shapes';

/** What OrtRunner needs from a session: an InferenceSession, or a ShapedSession that picks one per call. */
export interface RunnableSession {
  readonly inputMetadata: readonly OrtModule.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly OrtModule.InferenceSession.ValueMetadata[];
  run(feeds: OrtModule.InferenceSession.FeedsType): Promise<OrtModule.InferenceSession.ReturnType>;
  run(feeds: OrtModule.InferenceSession.FeedsType, fetches: readonly string[]): Promise<OrtModule.InferenceSession.ReturnType>;
  release(): Promise<void>;
  /** A view of the same model for calls in several shapes (one free-dims session), where sessions are per shape. */
  anyShape?(): RunnableSession;
}

type Feeds = OrtModule.InferenceSession.FeedsType;

/** Declared dims where the graph names them (the first session's metadata has its own shape's numbers). */
function withDeclaredDims(meta: readonly OrtModule.InferenceSession.ValueMetadata[], declared: readonly DeclaredInput[]) {
  return meta.map((m) => {
    const d = declared.find((i) => i.name === m.name);
    return m.isTensor && d ? { ...m, shape: d.dims.map((x) => x ?? -1) } : m;
  });
}

export class ShapedSession implements RunnableSession {
  readonly inputMetadata: readonly OrtModule.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly OrtModule.InferenceSession.ValueMetadata[];

  private constructor(
    private readonly cache: ShapeSessionCache<RunnableSession>,
    private readonly declared: readonly DeclaredInput[],
    first: RunnableSession,
  ) {
    this.inputMetadata = withDeclaredDims(first.inputMetadata, declared);
    this.outputMetadata = first.outputMetadata;
  }

  /**
   * Creates the session for `firstDims` now (so a bad model fails at load, not at the first call), cached with room
   * for `capacity` shapes. `create` makes a session with these free dims fixed.
   */
  static async create(
    declared: readonly DeclaredInput[],
    firstDims: DimValues,
    create: (dims: DimValues | undefined) => Promise<RunnableSession>,
    capacity: number,
    onEvent?: (e: SessionCacheEvent) => void,
  ): Promise<ShapedSession> {
    const cache = new ShapeSessionCache(create, capacity, onEvent);
    const first = await cache.use(firstDims, async (s) => s);
    return new ShapedSession(cache, declared, first);
  }

  /** The shapes held now, least recently used first. */
  shapes(): string[] {
    return this.cache.keys();
  }

  /** The key a call with these feeds runs under. */
  keyFor(feeds: Feeds): string {
    return shapeKey(dimValues(this.declared, feeds as Record<string, { dims: readonly number[] }>));
  }

  async run(feeds: Feeds, fetches?: readonly string[]): Promise<OrtModule.InferenceSession.ReturnType> {
    const dims = dimValues(this.declared, feeds as Record<string, { dims: readonly number[] }>);
    return this.cache.use(dims, (s) => (fetches ? s.run(feeds, fetches) : s.run(feeds)));
  }

  release(): Promise<void> {
    return this.cache.release();
  }

  /**
   * Calls of many shapes (a tiled VAE's tiles) on one session made with the dims left free, held in the same cache
   * under its own key: one session for all the tiles instead of one per tile shape, each evicting another. Releasing
   * the view releases nothing: the cache owns the session.
   */
  anyShape(): RunnableSession {
    return {
      inputMetadata: this.inputMetadata,
      outputMetadata: this.outputMetadata,
      run: async (feeds: Feeds, fetches?: readonly string[]) => {
        dimValues(this.declared, feeds as Record<string, { dims: readonly number[] }>); // the same checks of the feeds' dims
        return this.cache.use(undefined, (s) => (fetches ? s.run(feeds, fetches) : s.run(feeds)));
      },
      release: async () => undefined,
    };
  }
}
