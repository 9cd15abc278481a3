// The request schema as a list of form fields (type, limits, default, label, group), derived from the zod schema.
import { z } from 'zod';
import { formMeta, requestSchema, type FieldGroup, type FieldMeta, type RequestField } from '../schema/request';

export interface FieldSpec extends FieldMeta {
  name: RequestField;
  kind: 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'seed' | 'record';
  options?: string[];
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  default?: unknown;
  required: boolean;
}

interface JsonProp {
  type?: string; enum?: string[]; default?: unknown; minimum?: number; maximum?: number;
  exclusiveMinimum?: number; anyOf?: JsonProp[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export const GROUPS: { id: FieldGroup; title: string; open: boolean }[] = [
  { id: 'prompt', title: 'Prompt', open: true },
  { id: 'size', title: 'Size', open: true },
  { id: 'sampling', title: 'Sampling', open: true },
  { id: 'image', title: 'Image to image', open: false },
  { id: 'advanced', title: 'Advanced', open: false },
];

export function requestFields(): FieldSpec[] {
  const json = z.toJSONSchema(requestSchema, { metadata: formMeta, io: "input", unrepresentable: "any" }) as unknown as {
    properties: Record<string, JsonProp & FieldMeta>; required?: string[];
  };
  return Object.entries(json.properties).filter(([, p]) => !p.jsonOnly).map(([name, p]) => {
    const kind: FieldSpec['kind'] = p.anyOf ? 'seed' : p.enum ? 'enum' : p.type === 'object' ? 'record'
      : (p.type as FieldSpec['kind']);
    const lower = p.minimum ?? p.exclusiveMinimum;
    return {
      name: name as RequestField,
      label: p.label, group: p.group, help: p.help, widget: p.widget, step: p.step, optionGroups: p.optionGroups,
      kind,
      options: p.enum,
      min: lower,
      exclusiveMin: p.exclusiveMinimum !== undefined,
      max: p.maximum !== undefined && p.maximum < MAX_SAFE ? p.maximum : undefined,
      default: p.default,
      required: json.required?.includes(name) ?? false,
    };
  });
}
