import { get } from 'node:http';
import test, { type ExecutionContext } from 'ava';
import { openApiDocument } from '../../api/openapi/document.js';
import { startServices } from '../support/services.js';

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

function assertStrictPage(t: ExecutionContext, response: Response, body: string): void {
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
  const csp = response.headers.get('content-security-policy') ?? '';
  t.regex(csp, /default-src 'none'/);
  t.regex(csp, /style-src 'self'/);
  t.notRegex(csp, /unsafe-inline|unsafe-eval/);
  t.notRegex(body, /<script|\sstyle=|\son\w+=/i, 'nothing inline for the CSP to refuse');
  t.regex(body, /<link rel="stylesheet" href="\/assets\/pages\.css">/);
}

test('GET / is a start page that says the service is ready and links to every place to go', async (t) => {
  const { url } = await startServices(t);
  const response = await fetch(`${url}/`);
  const body = await response.text();
  assertStrictPage(t, response, body);
  t.regex(body, /<span class="status ok">ready<\/span> postgres ok · redis ok/);
  for (const href of ['/admin/console', '/admin/queues', '/docs', '/openapi.json', '/metrics', '/healthz', '/readyz']) t.true(body.includes(`href="${href}"`), href);
  const css = await fetch(`${url}/assets/pages.css`);
  t.is(css.status, 200);
  t.regex(css.headers.get('content-type') ?? '', /^text\/css/);
});

test('GET /docs renders every operation of the OpenAPI document, escaped', async (t) => {
  const { url } = await startServices(t);
  const response = await fetch(`${url}/docs`);
  const body = await response.text();
  assertStrictPage(t, response, body);
  for (const [path, item] of Object.entries(openApiDocument.paths)) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      t.true(body.includes(`id="op-${operation.operationId}"`), operation.operationId);
      t.true(body.includes(`<span class="method">${method.toUpperCase()}</span> <code>${path}</code>`), `${method} ${path}`);
    }
  }
  // The document holds quotes and angle brackets (schemas, descriptions): they arrive escaped.
  t.true(body.includes('&quot;type&quot;: &quot;object&quot;'));
  t.true(body.includes('<code>Authorization: Bearer &lt;API key&gt;</code>'));
});

test('a Host header cannot inject markup into the start page', async (t) => {
  const { url } = await startServices(t);
  const body = await new Promise<string>((resolve, reject) => {
    get(`${url}/`, { headers: { host: 'evil"><b>x</b>' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve(text));
    }).on('error', reject);
  });
  t.false(body.includes('<b>x</b>'));
  t.true(body.includes('evil&quot;&gt;&lt;b&gt;x&lt;/b&gt;'));
});
