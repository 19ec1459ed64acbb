import http from 'node:http';
import { percentile, round } from './figures.js';

export interface PacedResult { sent: number; completed: number; non2xx: number; errors: number; p50Ms: number; p99Ms: number; achievedRate: number }


/**
 * An open-loop load at an even `rate`: request i is due at start + i/rate, and its latency counts
 * from when it was due (so a stall shows up in every request it delays: no coordinated omission).
 * autocannon's `overallRate` instead spends each connection's per-second budget at the start of
 * every second — a burst — and corrects latencies with a 1 ms expected interval, which measures
 * the burst rather than the steady rate. With `body`, each request is a POST of a fresh body (JSON).
 */
export async function pacedLoad(url: string, headers: Record<string, string>, rate: number, durationSeconds: number, sockets = 50, body?: () => string): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const total = rate * durationSeconds;
  const started = performance.now();
  // Outstanding requests are counted, not kept: holding every request's promise for the whole run
  // would grow the generator's heap, and its own GC pauses would count as the server's latency.
  let outstanding = 0;
  let allAnswered: () => void = () => undefined;
  const answered = () => {
    outstanding -= 1;
    if (outstanding === 0 && sent >= total) allAnswered();
  };
  const options = body ? { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json' } } : { method: 'GET', agent, headers };
  const send = (due: number) => {
    outstanding += 1;
    const request = http.request(url, options, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 200) latencies.push(performance.now() - due);
        else non2xx += 1;
        answered();
      });
    });
    request.on('error', () => { errors += 1; answered(); });
    request.end(body?.());
  };
  while (sent < total) {
    const now = performance.now();
    while (sent < total && started + (sent * 1000) / rate <= now) {
      const due = started + (sent * 1000) / rate;
      sent += 1;
      send(due);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (outstanding > 0) await new Promise<void>((resolve) => { allAnswered = resolve; });
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { sent, completed: latencies.length, non2xx, errors, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), achievedRate: Math.round(latencies.length / elapsed) };
}
