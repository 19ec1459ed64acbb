/** A feature as `GET /v1/customers/:ref/entitlements` serves it. */
export interface ServedFeature { feature: string; value: unknown; expires_at: string | null }

const waitMs = 60_000;

/**
 * Waits until the workers have no event left to process (no inbox row received, queued or failed),
 * then reads the user's entitlements from the api; an empty list when the api does not know them.
 */
export async function readEntitlementsWhenSettled(api: string, key: string, ref: string): Promise<ServedFeature[]> {
  const get = async (route: string) => fetch(new URL(route, api), { headers: { authorization: `Bearer ${key}` } });
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pending = await Promise.all(['received', 'queued', 'failed'].map(async (status) => {
      const response = await get(`/admin/events?status=${status}&limit=1`);
      if (!response.ok) throw new Error(`GET /admin/events answered ${response.status}`);
      return ((await response.json()) as { data: unknown[] }).data.length;
    }));
    if (pending.every((count) => count === 0)) break;
    if (Date.now() > deadline) throw new Error('the workers did not finish the events within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const response = await get(`/v1/customers/${encodeURIComponent(ref)}/entitlements`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`GET entitlements answered ${response.status}`);
  return ((await response.json()) as { entitlements: ServedFeature[] }).entitlements;
}
