import { openApiDocument } from '../../api/openapi/document.js';
import type { HttpMethod, JsonSchema } from '../../api/openapi/types.js';

/** The JSON schema the OpenAPI document gives for one response (a `$ref` to a shared response resolved). */
export function documentedSchema(path: string, method: HttpMethod, status: string): JsonSchema {
  const response = openApiDocument.paths[path]?.[method]?.responses[status];
  if (!response) throw new Error(`the document has no ${status} for ${method.toUpperCase()} ${path}`);
  const resolved = '$ref' in response ? openApiDocument.components.responses[response.$ref.replace('#/components/responses/', '')] : response;
  const schema = resolved?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the ${status} of ${method.toUpperCase()} ${path} has no JSON schema`);
  return schema;
}

/** Where a value breaks a schema, for the keywords the document uses: $ref, type, const, enum, required, properties, items, oneOf. */
export function schemaProblems(value: unknown, schema: JsonSchema, at = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const target = openApiDocument.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    return target ? schemaProblems(value, target, at) : [`${at}: unknown $ref ${schema.$ref}`];
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as JsonSchema[]).filter((option) => schemaProblems(value, option, at).length === 0);
    return matching.length === 1 ? [] : [`${at}: matches ${matching.length} of oneOf`];
  }
  const found: string[] = [];
  if ('const' in schema && value !== schema.const) found.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) found.push(`${at}: not in enum`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (!types.some((type) => type === actual || (type === 'integer' && Number.isInteger(value)))) return [`${at}: ${actual} is not ${types.join('|')}`];
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in record)) found.push(`${at}.${key}: missing`);
    for (const [key, sub] of Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      if (key in record) found.push(...schemaProblems(record[key], sub, `${at}.${key}`));
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, index) => found.push(...schemaProblems(item, schema.items as JsonSchema, `${at}[${index}]`)));
  return found;
}
