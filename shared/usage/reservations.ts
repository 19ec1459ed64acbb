import { randomUUID } from 'node:crypto';
import { AppError, badRequest, conflict, notFound, unavailable } from '../errors.js';
import { admitOnce, idempotencyConflict, type StoredAnswer } from './admit.js';
import { balanceOf } from './balance-view.js';
import { insufficient, readBalance, type BalanceAnswer } from './consume.js';
import { insertable } from './ledger-writer.js';
import { requestHash, type ReserveRequest } from './usage-requests.js';
import { refOfCustomer, resolveTarget, type UsageDeps } from './usage-target.js';

export interface ReservationRow {
  id: string; customer_id: string; feature: string; amount: string; status: 'held' | 'committed' | 'released' | 'expired';
  request_hash: string; expires_at: Date; created_at: Date; settled_at: Date | null;
}

/** A reservation as the API shows it: a held one past its expiry reads `expired` (it stopped counting by itself). */
export function reservationView(row: ReservationRow, now: Date) {
  const status = row.status === 'held' && row.expires_at.getTime() <= now.getTime() ? 'expired' : row.status;
  return { id: row.id, feature: row.feature, amount: Number(row.amount), status, expires_at: row.expires_at.toISOString() };
}

export type ReserveAnswer =
  | { status: 201; body: ReturnType<typeof reservationView> & { balance: BalanceAnswer['balance'] }; replayed: boolean }
  | { status: 402; body: ReturnType<typeof insufficient>; replayed: false };

/**
 * Holds `amount` for work whose cost is known later: admitted in one Redis call like a consumption,
 * answered 201 after the reservation row is in Postgres (a failed insert takes the hold back: 503).
 */
export async function reserve(deps: UsageDeps, ref: string, request: ReserveRequest, now = new Date()): Promise<ReserveAnswer> {
  const target = await resolveTarget(deps, ref, request.feature, now);
  const hash = requestHash('reserve', { feature: request.feature, amount: request.amount, ttl_seconds: request.ttl_seconds });
  const { db } = deps.context;
  const existing = () => db('usage_reservations').where({ customer_id: target.customerId, idempotency_key: request.idempotency_key }).first<ReservationRow | undefined>('*');
  const stored = async (): Promise<StoredAnswer | undefined> => {
    const row = await existing();
    return row && { requestHash: row.request_hash, answer: row };
  };
  const reservation = { id: randomUUID(), expiresAt: new Date(now.getTime() + request.ttl_seconds * 1000) };
  const outcome = await admitOnce(deps, target, {
    mode: 'admit', allowance: target.allowance ?? -1, amount: request.amount, overage: target.policy.overage === 'allow' ? 'allow' : 'reject',
    idempotencyKey: request.idempotency_key, requestHash: hash, reservation, now,
  }, stored);
  const replay = async (row: ReservationRow) => ({ status: 201 as const, body: { ...reservationView(row, now), balance: await readBalance(deps, ref, request.feature, now) }, replayed: true });
  if (outcome.status === 'replay') return replay(outcome.answer as ReservationRow);
  const balance = balanceOf(target, outcome.figures);
  if (!outcome.allowed) return { status: 402, body: insufficient({ allowed: false, balance }), replayed: false };
  let row: ReservationRow | undefined;
  const marker = deps.store.holdMarker(target.customerId, request.idempotency_key);
  try {
    [row] = await db('usage_reservations')
      .insert({ id: reservation.id, customer_id: target.customerId, feature: target.feature, amount: outcome.counted, idempotency_key: request.idempotency_key, request_hash: hash, expires_at: reservation.expiresAt })
      .onConflict(['customer_id', 'idempotency_key']).ignore().returning<ReservationRow[]>('*');
  } catch (error) {
    marker.release();
    await deps.store.undo(target.slot, request.idempotency_key, outcome.counted, reservation.id).catch(() => undefined);
    deps.context.logger.warn('reservation not recorded', { error: error instanceof Error ? error.message : String(error) });
    throw unavailable('ledger_unavailable', 'the reservation could not be recorded; nothing is held; retry with the same idempotency_key');
  }
  marker.release();
  if (row) return { status: 201, body: { ...reservationView(row, now), balance }, replayed: false };
  await deps.store.undo(target.slot, request.idempotency_key, outcome.counted, reservation.id);
  const previous = await existing();
  if (!previous) throw new AppError(500, 'internal', 'reservation_key_missing', 'the ledger refused a key it does not hold');
  if (previous.request_hash !== hash) throw idempotencyConflict();
  return replay(previous);
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Settles a held reservation: `commit` records `amount` (at most what was held; the rest returns
 * to the balance) as a ledger row, `release` (amount null) returns all of it. Postgres decides
 * first, in one transaction (a reservation settles once; an expired one cannot), then Redis
 * follows. 404 for an unknown id, 409 for one already settled or expired.
 */
export async function settleReservation(deps: UsageDeps, id: string, amount: number | null, actor: string, now = new Date()) {
  const { db } = deps.context;
  if (!uuid.test(id)) throw notFound('reservation_not_found', `no reservation ${id}`);
  const found = await db('usage_reservations').where({ id }).first<ReservationRow | undefined>('customer_id', 'feature');
  if (!found) throw notFound('reservation_not_found', `no reservation ${id}`);
  const ref = await refOfCustomer(db, found.customer_id);
  const target = await resolveTarget(deps, ref, found.feature, now);
  const settled = await db.transaction(async (trx) => {
    const row = await trx('usage_reservations').where({ id }).forUpdate().first<ReservationRow>('*');
    const view = reservationView(row, now);
    if (view.status !== 'held') throw conflict(`reservation_${view.status}`, `the reservation is ${view.status}`, { reservation: view });
    if (amount !== null && amount > view.amount) throw badRequest('invalid_request_body', `amount: must be at most the ${view.amount} reserved`, { param: 'amount' });
    const [updated] = await trx('usage_reservations').where({ id }).update({ status: amount === null ? 'released' : 'committed', settled_at: now }).returning<ReservationRow[]>('*');
    if (amount !== null) {
      await trx('usage_ledger').insert(insertable({
        customer_id: target.customerId, feature: target.feature, kind: 'commit', amount, idempotency_key: `reservation:${id}`,
        request_hash: requestHash('commit', { id, amount }), response: null, reservation_id: id, actor, occurred_at: now,
        period_start: target.period.start, period_end: target.period.end,
      }));
    }
    return updated ?? row;
  });
  // Durable now; should Redis miss this step, the hold still expires by itself and a rebuild reads the ledger.
  await deps.store.settle(target.slot, id, amount ?? 0).catch((error: unknown) => deps.context.logger.warn('reservation settled in the ledger only', { id, error: error instanceof Error ? error.message : String(error) }));
  return { ...reservationView(settled, now), committed: amount ?? 0, balance: await readBalance(deps, ref, target.feature, now) };
}
