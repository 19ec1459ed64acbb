import type { SimDriver } from './driver.js';

/** Thrown when the control API answers with an error. */
export class ControlApiError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message ?? JSON.stringify(body);
    super(`Simulator control API ${status}: ${message}`);
    this.name = 'ControlApiError';
  }
}

/** A JSON client for the `/_sim` control API. */
export async function callControl<T>(baseUrl: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? null : JSON.parse(text);
  if (!response.ok) throw new ControlApiError(response.status, parsed);
  return parsed as T;
}

/** Drives a running simulator (e.g. `http://127.0.0.1:12111`) through its control API. */
export function createHttpDriver(baseUrl: string): SimDriver {
  const post = <T>(path: string, body: unknown = {}): Promise<T> => callControl<T>(baseUrl, 'POST', path, body);
  const sub = (id: string): string => `/_sim/subscriptions/${encodeURIComponent(id)}`;
  return {
    checkout: (input) => post('/_sim/checkout', input),
    advance: (seconds) => post('/_sim/clock/advance', { seconds }),
    advanceToPeriodEnd: (subscription) => post(`${sub(subscription)}/advance-to-period-end`),
    setPaymentOutcome: async (customer, outcome) => {
      await post(`/_sim/customers/${encodeURIComponent(customer)}/payment-outcome`, { outcome });
    },
    payLatestInvoice: (subscription) => post(`${sub(subscription)}/pay-latest-invoice`),
    cancelAtPeriodEnd: (subscription) => post(`${sub(subscription)}/cancel-at-period-end`),
    setQuantity: (subscription, quantity) => post(`${sub(subscription)}/quantity`, { quantity }),
    changePrice: (subscription, plan, prorationBehavior) => post(`${sub(subscription)}/change-price`, { ...plan, prorationBehavior }),
    scheduleChange: (subscription, plan) => post(`${sub(subscription)}/schedule-change`, plan),
    refundLatestCharge: (subscription, amount) => post(`${sub(subscription)}/refund`, amount === undefined ? {} : { amount }),
    disputeLatestCharge: (subscription) => post(`${sub(subscription)}/dispute`),
    closeDispute: (dispute, outcome) => post(`/_sim/disputes/${encodeURIComponent(dispute)}/close`, { outcome }),
    subscription: (id) => callControl(baseUrl, 'GET', sub(id)),
    addPaymentMethod: (customer) => post(`/_sim/customers/${encodeURIComponent(customer)}/payment-method`),
    resume: (subscription) => post(`${sub(subscription)}/resume`),
  };
}
