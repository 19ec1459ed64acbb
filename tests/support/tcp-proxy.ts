import net from 'node:net';

/**
 * A TCP proxy in front of a real service. `stop()` drops every connection and refuses new ones,
 * as a crashed server would; `start()` listens again on the same port. Lets one test take
 * "its" Postgres down without touching the shared instance other tests use.
 */
export async function tcpProxy(targetPort: number): Promise<{ port: number; stop: () => Promise<void>; start: () => Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const start = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  await start();
  return { port, stop, start, close: stop };
}
