import type { Db } from '../../shared/infra/db.js';
import { seedCustomer } from './admin-fixtures.js';

/** Helpers for the console tests: forms sent the way a browser sends them, and hostile customers. */

export const hostile = '<script>alert("owned")</script>';

/** A customer whose name, email and metadata hold markup, as Stripe would mirror attacker-chosen input. */
export async function hostileCustomer(db: Db): Promise<{ id: string; stripeId: string; userId: string }> {
  const customer = await seedCustomer(db);
  await db('customers').where({ id: customer.id }).update({
    name: hostile, email: `x${hostile}@example.com`, metadata: JSON.stringify({ note: hostile, '<img src=x onerror=alert(1)>': 'key' }),
  });
  return customer;
}

/** The CSRF token a console page carries in its forms. */
export function csrfOf(page: string): string {
  const token = /name="_csrf" value="([\w-]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no CSRF token on the page: ${page.slice(0, 300)}`);
  return token;
}

export interface FormCall { key?: string; cookie?: string; headers?: Record<string, string> }

const authHeaders = (options: FormCall) => ({
  ...(options.key !== undefined && { authorization: `Bearer ${options.key}` }),
  ...(options.cookie !== undefined && { cookie: options.cookie }),
  ...options.headers,
});

/** A console page: status and HTML. */
export async function getPage(url: string, path: string, options: FormCall = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${url}${path}`, { headers: authHeaders(options), redirect: 'manual' });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** A form post (urlencoded, no redirect followed). */
export async function postForm(url: string, path: string, fields: Record<string, string | string[]>, options: FormCall = {}): Promise<{ status: number; body: string; location: string | null; headers: Headers }> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const each of [value].flat()) body.append(name, each);
  const response = await fetch(`${url}${path}`, {
    method: 'POST', redirect: 'manual', body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...authHeaders(options) },
  });
  return { status: response.status, body: await response.text(), location: response.headers.get('location'), headers: response.headers };
}
