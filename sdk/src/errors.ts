/** An error answer of the service (`{error: {type, code, message}}`), or the service being unreachable (`code: 'unreachable'`). */
export class BillingError extends Error {
  constructor(readonly status: number, readonly type: string, readonly code: string, message: string) {
    super(message);
    this.name = 'BillingError';
  }

  /** The service could not answer (network, timeout, 5xx): the case fail-open/closed covers. */
  get unavailable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

export async function errorFrom(response: Response): Promise<BillingError> {
  const text = await response.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error?: { type?: string; code?: string; message?: string } };
    if (error?.code) return new BillingError(response.status, error.type ?? 'unknown', error.code, error.message ?? error.code);
  } catch {
    // not the service's error shape
  }
  return new BillingError(response.status, 'unknown', `http_${response.status}`, `the service answered ${response.status}`);
}
