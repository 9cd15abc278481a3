// An asset call's failure as lines to show: each detail[].msg with the field it names (Kind, Name, Source), or the message.
const FIELD_LABELS: Record<string, string> = { kind: 'Kind', name: 'Name', source: 'Source', from: 'Name', to: 'New name' };

export function describeAssetError(e: unknown): { lines: string[]; fields: string[] } {
  const detail = (e as { detail?: { loc: (string | number)[]; msg: string }[] })?.detail;
  if (Array.isArray(detail) && detail.length > 0) {
    const fields = detail.map((d) => String(d.loc[1] ?? ''));
    return { lines: detail.map((d, i) => `${FIELD_LABELS[fields[i]!] ?? fields[i] ?? 'Request'}: ${d.msg}`), fields };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { lines: [message], fields: [] };
}
