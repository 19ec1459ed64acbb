import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { AppViewRoute } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { BoardQueue } from '../../shared/infra/queues.js';
import { authenticatedKey } from '../middleware/authenticate.js';

export const boardBasePath = '/admin/queues';

/** `<link>`s to other origins (Bull Board's page asks Google Fonts for IBM Plex; the CSS falls back to system fonts). */
const externalLink = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>\s*/gi;

/**
 * The page may load nothing from outside the service. Inline styles are Bull Board's own (its
 * loading screen); `__UI_CONFIG__` is an inline JSON block, not a script, so scripts stay `'self'`.
 */
const contentSecurityPolicy = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "worker-src 'self' blob:", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'",
].join('; ');

/**
 * Opened as `http://user:KEY@host/admin/queues`, the page's own `fetch` calls fail (a browser
 * refuses to fetch from a document whose URL holds credentials) and the board would not load its
 * texts. Chrome hides the credentials from `location.href`, so this script, first in the page,
 * finds out with a probe: a relative fetch that throws means credentials in the URL, and the page
 * reloads at `location.href` (the address without them), once. The session cookie set when the
 * page was loaded with HTTP Basic logs the reloaded page in.
 */
const credentialsScriptPath = '/credentials-in-url.js';
const credentialsScript = `(function () {
  if (sessionStorage.getItem('credentials-reload')) return sessionStorage.removeItem('credentials-reload');
  try {
    fetch('credentials-in-url.js', { method: 'HEAD' }).catch(function () {
      sessionStorage.setItem('credentials-reload', '1');
      window.stop();
      location.replace(location.href);
    });
  } catch (error) {
    sessionStorage.setItem('credentials-reload', '1');
    location.replace(location.href);
  }
})();
`;

/** Bull Board's Express adapter, rendering its page without references to other origins. */
class SelfContainedExpressAdapter extends ExpressAdapter {
  constructor() {
    super();
    // The board is an Express app of its own: it would otherwise name its framework on every answer.
    this.app.disable('x-powered-by');
  }

  override setEntryRoute(routeDef: AppViewRoute): ExpressAdapter {
    const render = (_req: Request, res: Response, next: NextFunction) => {
      const { name, params } = routeDef.handler({ basePath: this.basePath, uiConfig: this.uiConfig });
      res.render(name, params, (error: Error | null, html?: string) => {
        if (error) return next(error);
        const page = (html ?? '').replace(externalLink, '').replace('<head>', `<head><script src="${boardBasePath}${credentialsScriptPath}"></script>`);
        res.type('html').send(page);
      });
    };
    const routes = Array.isArray(routeDef.route) ? routeDef.route : [routeDef.route];
    for (const route of routes) this.app[routeDef.method](route, render);
    return this;
  }
}

function buildBoard(queues: readonly BoardQueue[], readOnlyMode: boolean): RequestHandler {
  const serverAdapter = new SelfContainedExpressAdapter();
  serverAdapter.setBasePath(boardBasePath);
  createBullBoard({
    // Shard n > 0 of a queue is listed as `q<n>-<name>` (the adapter's prefix), beside shard 0 under the plain name.
    queues: queues.map(({ queue, shard }) => new BullMQAdapter(queue, { readOnlyMode, ...(shard > 0 && { prefix: `q${shard}-` }) })),
    // @bull-board/express ships its own copy of @bull-board/api's typings (9.10.1 vs 9.10.2): same shape, distinct declarations.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: readOnlyMode ? 'Billing queues (read-only)' : 'Billing queues', hideDocsLink: true, miscLinks: [{ text: 'Admin console', url: '/admin/console' }] } },
  });
  return serverAdapter.getRouter() as RequestHandler;
}

/**
 * Bull Board for every queue, mounted at {@link boardBasePath} behind `boardAuthentication`. Two
 * boards share the queues; a `read_only` key gets the one whose queues are in read-only mode (no
 * retry, clean, pause or delete buttons, and Bull Board refuses those calls itself).
 */
export function bullBoard(queues: readonly BoardQueue[]): RequestHandler {
  const full = buildBoard(queues, false);
  const readOnly = buildBoard(queues, true);
  // A plain function, not the board's router: the board's routes are its own, not the api's.
  return (req, res, next) => {
    res.set({ 'Content-Security-Policy': contentSecurityPolicy, 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer', 'X-Content-Type-Options': 'nosniff' });
    if (req.path === credentialsScriptPath) return void res.type('text/javascript').send(credentialsScript);
    return (authenticatedKey(res).read_only ? readOnly : full)(req, res, next);
  };
}
