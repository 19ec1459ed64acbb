import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** Listens and resolves once bound; a port clash rejects (Express 5 passes it to the callback). */
export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.keepAliveTimeout = 65_000;
  });
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/**
 * Stops accepting and lets in-flight requests finish. Keep-alive sockets become idle as their
 * requests end (some only after a response sent before the body was read), so idle sockets are
 * closed repeatedly until the server has none left.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => { clearInterval(sweep); resolve(); });
    server.closeIdleConnections();
  });
}
