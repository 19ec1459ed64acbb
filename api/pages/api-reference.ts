import type { HttpMethod, Operation, Parameter, ResponseObject } from '../openapi/types.js';
import { openApiDocument } from '../openapi/document.js';
import { html, layout, type SafeHtml } from '../../shared/pages/html.js';
import { inlineMarkdown } from './markdown.js';

const methods: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];
const { components } = openApiDocument;

const refName = (ref: string) => ref.split('/').at(-1) ?? ref;
const anchor = (operation: Operation) => `op-${operation.operationId}`;

function resolveParameter(parameter: Parameter | { $ref: string }): Parameter | undefined {
  return '$ref' in parameter ? components.parameters[refName(parameter.$ref)] : parameter;
}

function resolveResponse(response: ResponseObject | { $ref: string }): ResponseObject | undefined {
  return '$ref' in response ? components.responses[refName(response.$ref)] : response;
}

const schemaText = (schema: unknown) => JSON.stringify(schema, null, 2);

function parameters(operation: Operation): SafeHtml {
  const list = (operation.parameters ?? []).map(resolveParameter).filter((p): p is Parameter => p !== undefined);
  if (list.length === 0) return html``;
  return html`<h4>Parameters</h4>
<table><thead><tr><th>name</th><th>in</th><th>schema</th><th>description</th></tr></thead><tbody>
${list.map((p) => html`<tr><td><code>${p.name}</code>${p.required ? ' (required)' : ''}</td><td>${p.in}</td><td><code>${JSON.stringify(p.schema)}</code></td><td>${inlineMarkdown(p.description)}</td></tr>`)}
</tbody></table>`;
}

function body(operation: Operation): SafeHtml {
  const content = operation.requestBody?.content;
  if (!content) return html``;
  return html`<h4>Request body${operation.requestBody?.required ? ' (required)' : ''}</h4>
${Object.entries(content).map(([type, media]) => html`<p><code>${type}</code></p><pre>${schemaText(media.schema)}</pre>`)}`;
}

function responses(operation: Operation): SafeHtml {
  return html`<h4>Responses</h4>
<table><thead><tr><th>status</th><th>description</th><th>body</th></tr></thead><tbody>
${Object.entries(operation.responses).map(([status, raw]) => {
    const response = resolveResponse(raw);
    const media = Object.entries(response?.content ?? {})[0];
    return html`<tr><td><code>${status}</code></td><td>${inlineMarkdown(response?.description)}</td><td>${media ? html`<code>${media[0]}</code> <code>${JSON.stringify(media[1].schema)}</code>` : '—'}</td></tr>`;
  })}
</tbody></table>`;
}

function operationSection(path: string, method: HttpMethod, operation: Operation): SafeHtml {
  const open = Array.isArray(operation.security) && operation.security.length === 0;
  return html`<section class="op" id="${anchor(operation)}">
<h3><span class="method">${method.toUpperCase()}</span> <code>${path}</code></h3>
<p><strong>${operation.summary}</strong>${open ? ' · no key needed' : ' · Bearer API key'}</p>
${inlineMarkdown(operation.description)}
${parameters(operation)}${body(operation)}${responses(operation)}
</section>`;
}

function render(): string {
  const operations = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
    methods.flatMap((method) => (item[method] ? [{ path, method, operation: item[method] }] : [])));
  const byTag = openApiDocument.tags.map((tag) => ({ tag, entries: operations.filter((entry) => entry.operation.tags?.includes(tag.name)) }));
  return layout(`${openApiDocument.info.title}: API reference`, html`
<p><a href="/">← start page</a> · <a href="/openapi.json">openapi.json</a></p>
<h1>${openApiDocument.info.title}: API reference</h1>
<p class="lead">Rendered from the OpenAPI ${openApiDocument.openapi} document served at <code>/openapi.json</code>.</p>
${inlineMarkdown(openApiDocument.info.description)}
<nav class="toc"><h2>Contents</h2>
${byTag.map(({ tag, entries }) => html`<h3>${tag.name}</h3><ul>${entries.map(({ path, method, operation }) => html`<li><a href="#${anchor(operation)}">${method.toUpperCase()} ${path}</a></li>`)}</ul>`)}
</nav>
${byTag.map(({ tag, entries }) => html`<h2 id="tag-${tag.name}">${tag.name}</h2>${inlineMarkdown(tag.description)}${entries.map(({ path, method, operation }) => operationSection(path, method, operation))}`)}
<h2>Schemas</h2>
${Object.entries(components.schemas).map(([name, schema]) => html`<h3 id="schema-${name}">${name}</h3><pre>${schemaText(schema)}</pre>`)}
`);
}

/** The reference page, rendered once: the document does not change while the process runs. */
export const apiReferencePage = render();
