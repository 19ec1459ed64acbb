import test from 'ava';
import { createProgressPrinter, progressLine } from '../../tools/cli/reconcile-progress.js';

const run = (status: 'queued' | 'running' | 'succeeded', checked: number) => ({ status, checked, drifted: 2, repaired: 1, errors: 0 });

/** Polls once a second of a fake clock. */
function poll(isTTY: boolean, total: number, states: ReturnType<typeof run>[]): string[] {
  const written: string[] = [];
  let clock = 0;
  const printer = createProgressPrinter({ isTTY, write: (text: string) => written.push(text) }, total, () => clock);
  for (const state of states) {
    printer.update(state);
    clock += 1000;
  }
  printer.end();
  return written;
}

test('a progress line shows done/total, rate and ETA', (t) => {
  t.is(progressLine(run('running', 4000), 10_000, 2000), 'running: checked 4,000 of ~10,000 (total estimated from the mirror) · 2,000/s · ETA 3s · drifted 2, repaired 1, errors 0');
  t.is(progressLine(run('running', 300), 0, undefined), 'running: checked 300 · drifted 2, repaired 1, errors 0', 'no total, no rate yet');
  t.is(progressLine(run('running', 12_000), 10_000, 1000), 'running: checked 12,000 of ~12,000 (total estimated from the mirror) · 1,000/s · drifted 2, repaired 1, errors 0', 'an estimate below the count grows with it');
});

test('on a terminal one line is rewritten in place, with the rate measured from the first running poll', (t) => {
  const written = poll(true, 10_000, [run('queued', 0), run('running', 0), run('running', 1000), run('running', 2000), run('succeeded', 10_000)]);
  t.is(written.length, 6);
  t.true(written.slice(0, 5).every((chunk) => chunk.startsWith('\r\x1b[2K') && !chunk.includes('\n')), 'carriage return and clear, never a newline');
  t.is(written[0], '\r\x1b[2Kqueued: checked 0 of ~10,000 (total estimated from the mirror) · drifted 2, repaired 1, errors 0');
  t.regex(written[2], / · 1,000\/s · ETA 9s · /, '1,000 in the second since the run was first seen running');
  t.regex(written[3], / · 1,000\/s · ETA 8s · /);
  t.is(written[5], '\n', 'the finished line is ended');
});

test('off a terminal (a pipe, a log) plain lines: on each status change and every 1,000 subscriptions', (t) => {
  const written = poll(false, 5000, [run('queued', 0), run('queued', 0), run('running', 0), run('running', 400), run('running', 999), run('running', 1000), run('running', 1500), run('succeeded', 5000)]);
  t.deepEqual(written.map((line) => line.split(':')[0] + ' ' + /checked ([\d,]+)/.exec(line)![1]), ['queued 0', 'running 0', 'running 1,000', 'succeeded 5,000']);
  t.true(written.every((line) => line.endsWith('\n') && !line.includes('\r')));
});
