import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import express from 'express';
import { listen } from '../../api/server.js';
import { ConfigError } from '../../shared/infra/config.js';

test('a port already in use is a configuration error naming PORT, not a raw EADDRINUSE', async (t) => {
  const holder = http.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { holder.close(() => resolve()); }));
  const { port } = holder.address() as AddressInfo;
  const error = await t.throwsAsync(listen(express(), port, '127.0.0.1'), { instanceOf: ConfigError });
  t.deepEqual(error?.issues, [`PORT: ${port} is already in use on 127.0.0.1; stop what holds it or set PORT to a free port`]);
});
