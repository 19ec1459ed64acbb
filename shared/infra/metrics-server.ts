import http from 'node:http';
import type { Context } from '../context.js';
import { checkDependencies } from './readiness.js';

/** Workers (and, under PM2 cluster mode, each api instance) answer `/metrics`, `/healthz` and `/readyz` on METRICS_PORT (0 = a free port, for tests). */
export function startMetricsServer(context: Pick<Context, 'db' | 'redis' | 'logger' | 'metrics'>, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const respond = async () => {
      if (req.url === '/metrics') return send(200, context.metrics.registry.contentType, await context.metrics.registry.metrics());
      if (req.url === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
      if (req.url === '/readyz') {
        const { ready, checks } = await checkDependencies(context.db, context.redis, context.logger);
        return send(ready ? 200 : 503, 'application/json', JSON.stringify({ status: ready ? 'ready' : 'unavailable', checks }));
      }
      return send(404, 'application/json', '{"error":{"type":"not_found","code":"route_not_found","message":"not found"}}');
    };
    respond().catch(() => send(500, 'application/json', '{"error":{"type":"internal","code":"internal_error","message":"internal error"}}'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}
