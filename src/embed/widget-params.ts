// The widget's URL parameters, validated with zod: model, default request fields, theme, shown controls, origins.
import { z } from 'zod';
import { requestSchema, type GenerateRequest } from '../schema/request';

/** Optional controls beside the prompt; the Download link shows unless `controls` leaves it out. */
export const WIDGET_CONTROLS = ['negative_prompt', 'seed', 'steps', 'download'] as const;
export type WidgetControl = (typeof WIDGET_CONTROLS)[number];

const origin = z.string().max(256).refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
  } catch {
    return false;
  }
}, 'each origin is scheme://host[:port], with nothing after it');

const list = <T extends z.ZodType<string, string>>(item: T, max: number) =>
  z.string().max(4096).transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(item).max(max));

export const widgetParamsSchema = z.object({
  /** A built-in model id, a Hub repo id, or a URL. */
  model: z.string().max(2048).optional(),
  theme: z.enum(['light', 'dark', 'auto']).default('auto'),
  controls: list(z.enum(WIDGET_CONTROLS), WIDGET_CONTROLS.length).default(['download']),
  /** Parent origins allowed to talk to the widget; default: only the widget's own origin. */
  origins: list(origin, 16).optional(),
  /** Default request fields as a JSON object (checked field by field with the request schema). */
  defaults: z.string().max(16_384).transform((s, ctx) => {
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'defaults must be a JSON object' });
      return z.NEVER;
    }
    // Checked field by field, but kept as given: the schema's own defaults are not written into it.
    const checked = requestSchema.partial().safeParse(value);
    if (!checked.success) {
      for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    return value as Partial<GenerateRequest>;
  }).optional(),
  prompt: z.string().max(20_000).optional(),
  ep: z.enum(['wasm', 'webgpu']).optional(),
  /** Named so that it is refused, not silently dropped: a link cannot point the widget's Hub ids at another server. */
  hub: z.undefined({ error: 'the widget takes no Hub endpoint: Hub repo ids always resolve at the default Hub (a host page can pass a folder URL to loadModel)' }).optional(),
});
export type WidgetParams = z.output<typeof widgetParamsSchema>;

/** Reads the URL; bad parameters are named (the widget shows them instead of starting half-configured). */
export function readWidgetParams(search: string, ownOrigin: string): { params: WidgetParams; origins: string[]; errors: string[] } {
  const raw = Object.fromEntries(new URLSearchParams(search));
  const parsed = widgetParamsSchema.safeParse(raw);
  if (parsed.success) return { params: parsed.data, origins: parsed.data.origins?.length ? parsed.data.origins : [ownOrigin], errors: [] };
  const errors = parsed.error.issues.map((i) => `${i.path.join('.') || 'parameters'}: ${i.message}`);
  const fallback = widgetParamsSchema.parse({});
  return { params: fallback, origins: [ownOrigin], errors };
}
