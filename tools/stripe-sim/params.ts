import type { FormObject, FormValue } from './form.js';
import { parameterInvalid, parameterMissing } from './errors.js';

/**
 * Typed readers over decoded form parameters. Each names the parameter in its error like
 * Stripe (`Invalid integer: abc`), so a client bug surfaces as a 400 with `param` set.
 */
export function optString(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw parameterInvalid(name, `Invalid string: ${name}`);
  return value;
}

export function reqString(params: FormObject, name: string): string {
  const value = optString(params, name);
  if (value === undefined || value === '') throw parameterMissing(name);
  return value;
}

export function optInt(params: FormObject, name: string): number | undefined {
  const value = optString(params, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw parameterInvalid(name, `Invalid integer: ${value}`);
  return Number(value);
}

export function optBool(params: FormObject, name: string): boolean | undefined {
  const value = optString(params, name);
  if (value === undefined || value === '') return undefined;
  if (value !== 'true' && value !== 'false') throw parameterInvalid(name, `Invalid boolean: ${value}`);
  return value === 'true';
}

export function optObject(params: FormObject, name: string): FormObject | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw parameterInvalid(name, `Invalid object: ${name}`);
  return value;
}

export function optArray(params: FormObject, name: string): FormValue[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value)) {
    if (typeof value === 'string') return [value];
    throw parameterInvalid(name, `Invalid array: ${name}`);
  }
  return value;
}

/** Array of objects, e.g. `items[0][price]=…`. */
export function optObjects(params: FormObject, name: string): FormObject[] | undefined {
  const values = optArray(params, name);
  return values?.map((value, i) => {
    if (typeof value !== 'object' || Array.isArray(value)) throw parameterInvalid(`${name}[${i}]`, `Invalid object: ${name}[${i}]`);
    return value;
  });
}

export function optStrings(params: FormObject, name: string): string[] | undefined {
  return optArray(params, name)?.map((value, i) => {
    if (typeof value !== 'string') throw parameterInvalid(`${name}[${i}]`, `Invalid string: ${name}[${i}]`);
    return value;
  });
}

/** `metadata[k]=v` pairs; an empty value deletes the key, as in Stripe. */
export function mergeMetadata(current: Record<string, string>, params: FormObject): Record<string, string> | undefined {
  const patch = optObject(params, 'metadata');
  if (params.metadata === '') return {};
  if (patch === undefined) return undefined;
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (typeof value !== 'string') throw parameterInvalid(`metadata[${key}]`, 'Metadata values must be strings');
    if (value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

const prorationBehaviors = ['create_prorations', 'always_invoice', 'none'] as const;

/** `proration_behavior` (or a nested one such as `subscription_details[proration_behavior]`). */
export function prorationBehavior(params: FormObject, name: string, label = name): (typeof prorationBehaviors)[number] | undefined {
  const value = optString(params, name);
  if (value === undefined || value === '') return undefined;
  const known = prorationBehaviors.find((behavior) => behavior === value);
  if (known === undefined) throw parameterInvalid(label, `Invalid ${label}: must be one of ${prorationBehaviors.join(', ')}`);
  return known;
}
