import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ConfigError } from '../shared/infra/config.js';

/**
 * Listens and resolves once bound. A port clash (Express 5 passes it to the callback) is a
 * configuration problem: it rejects with a {@link ConfigError} naming PORT, which the entry point
 * prints without a stack.
 */
export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (!error) return resolve(server);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') return reject(new ConfigError([`PORT: ${port} is already in use on ${host}; stop what holds it or set PORT to a free port`]));
      if (code === 'EACCES') return reject(new ConfigError([`PORT: ${port} needs privileges this process lacks; use a port above 1023`]));
      return reject(error);
    });
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
