// Run inside a network namespace (`ip netns exec … node --import tsx forwarder.ts SOCKET=HOST:PORT …`):
// each Unix socket (a file, reachable from every namespace) forwards its connections to a TCP
// address only this namespace can reach. This is how a test in the machine's own namespace talks
// to hosts on a private segment without any address of the segment on the machine itself.
import net from 'node:net';
import { rmSync } from 'node:fs';

for (const pair of process.argv.slice(2)) {
  const [socketPath = '', target = ''] = pair.split('=');
  const [host = '', port = ''] = target.split(':');
  rmSync(socketPath, { force: true });
  net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.pipe(upstream).pipe(client);
  }).listen(socketPath);
}
console.log('forwarding');
