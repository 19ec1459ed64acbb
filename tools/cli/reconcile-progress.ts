import type { ReconciliationRun } from '../../shared/reconcile/runs.js';

/** Where progress goes: stdout, or anything with `write` (tests). */
export interface ProgressOutput {
  write: (text: string) => unknown;
  /** A terminal: one line rewritten in place. Otherwise (a pipe, a log file) plain lines. */
  isTTY?: boolean;
}

type RunProgress = Pick<ReconciliationRun, 'status' | 'checked' | 'drifted' | 'repaired' | 'errors'> & { unrepaired?: Record<string, number> };

/** A plain line every 10 pages of subscriptions, and on each change of status. */
const plainEverySubscriptions = 1000;

const number = (value: number) => Math.round(value).toLocaleString('en-US');

/** One progress line: done/total, rate and ETA once measurable. `total` 0: unknown. */
export function progressLine(run: RunProgress, total: number, rate: number | undefined): string {
  const done = total > 0 ? `checked ${number(run.checked)} of ~${number(Math.max(total, run.checked))} (total estimated from the mirror)` : `checked ${number(run.checked)}`;
  const speed = rate && rate > 0 ? ` · ${number(rate)}/s` : '';
  const eta = rate && rate > 0 && total > run.checked ? ` · ETA ${Math.ceil((total - run.checked) / rate)}s` : '';
  const waiting = Object.keys(run.unrepaired ?? {}).length;
  const retrying = waiting > 0 ? `, ${waiting} customers not repaired yet (retrying)` : '';
  return `${run.status}: ${done}${speed}${eta} · drifted ${run.drifted}, repaired ${run.repaired}, errors ${run.errors}${retrying}`;
}

/**
 * Prints a run's progress as it is polled. The rate counts from the first poll that saw the run
 * running (a queued wait or a resumed run's earlier pages do not skew it).
 */
export function createProgressPrinter(out: ProgressOutput, total: number, now: () => number = Date.now) {
  let first: { at: number; checked: number } | undefined;
  let lastPrinted = -Infinity;
  let lastStatus = '';
  let open = false;
  return {
    update(run: RunProgress): void {
      if (run.status === 'running') first ??= { at: now(), checked: run.checked };
      const seconds = first ? (now() - first.at) / 1000 : 0;
      const rate = first && seconds > 0.5 ? (run.checked - first.checked) / seconds : undefined;
      const line = progressLine(run, total, rate);
      if (out.isTTY) {
        out.write(`\r\x1b[2K${line}`);
        open = true;
      } else if (run.status !== lastStatus || run.checked - lastPrinted >= plainEverySubscriptions) {
        out.write(`${line}\n`);
        lastPrinted = run.checked;
      }
      lastStatus = run.status;
    },
    /** Ends the rewritten line on a terminal, so what follows starts on a line of its own. */
    end(): void {
      if (open) out.write('\n');
      open = false;
    },
  };
}
