/**
 * Decodes Stripe's form encoding (`a[b][0][c]=x`, `expand[]=y`, `metadata[k]=v`) into nested
 * objects and arrays. Object keys that are all 0..n-1 indices become arrays, except under
 * `metadata`, whose keys are free text. An empty value stays `''`: Stripe reads it as "unset".
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = Record<string, FormValue>;

export function decodeForm(body: string): FormObject {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = splitKey(key);
    let node: Record<string, unknown> = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (last) {
        node[name] = value;
        return;
      }
      const child = node[name];
      if (typeof child !== 'object' || child === null) node[name] = {};
      node = node[name] as Record<string, unknown>;
    });
  }
  return arrayify(root, false) as FormObject;
}

/** `a[b][]` → `['a', 'b', '']`. Malformed brackets are kept as part of the name. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const matcher = /\[([^\]]*)\]/g;
  let consumed = 0;
  for (const match of rest.matchAll(matcher)) {
    if (match.index !== consumed) return [key];
    segments.push(match[1] ?? '');
    consumed += match[0].length;
  }
  return consumed === rest.length ? segments : [key];
}

function arrayify(value: unknown, freeKeys: boolean): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const converted: Record<string, unknown> = {};
  for (const key of keys) converted[key] = arrayify(record[key], key === 'metadata');
  const indexed = !freeKeys && keys.length > 0 && keys.every((k, i) => /^\d+$/.test(k) && Number(k) === i);
  if (!indexed) return converted;
  return keys.map((k) => converted[k]);
}
