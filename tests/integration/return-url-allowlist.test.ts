import test from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';

// No Stripe interceptors: every request here must be refused before Stripe is called.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const checkout = (success_url: string, cancel_url = 'https://app.example.com/cancel') =>
  ({ path: '/v1/checkout/sessions', body: { user_id: 'user_1', price: 'price_1', success_url, cancel_url } });
const portal = (return_url: string) => ({ path: '/v1/portal/sessions', body: { customer: 'cus_1', return_url } });

async function refusals(t: Parameters<typeof startServices>[0], env: Record<string, string>, cases: [string, { path: string; body: Record<string, unknown> }, string][]) {
  const { api, url } = await startServices(t, { env });
  const { key } = await createKey(api.context.db, { name: 'return-urls', scope: 'write' });
  for (const [name, request, field] of cases) {
    const response = await fetch(`${url}${request.path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(request.body) });
    t.is(response.status, 400, name);
    const { error } = (await response.json()) as { error: { code: string; param: string; message: string } };
    t.like(error, { code: 'invalid_request_body', param: field }, name);
  }
}

test('a return URL with a user name or password is refused, whatever the configuration', async (t) => {
  await refusals(t, {}, [
    ['checkout success_url with userinfo', checkout('https://user:pass@app.example.com/done'), 'success_url'],
    ['checkout cancel_url with a user name', checkout('https://app.example.com/done', 'https://evil.example@app.example.com/x'), 'cancel_url'],
    ['portal return_url with userinfo', portal('https://user:pass@app.example.com/account'), 'return_url'],
  ]);
});

test('with RETURN_URL_ORIGINS, return URLs elsewhere are refused before any Stripe call', async (t) => {
  await refusals(t, { RETURN_URL_ORIGINS: 'https://app.example.com,http://localhost:8080' }, [
    ['checkout to a foreign origin', checkout('http://evil.example/done'), 'success_url'],
    ['checkout to a look-alike host', checkout('https://app.example.com.evil.example/done'), 'success_url'],
    ['checkout to an allowed host on another port', checkout('https://app.example.com:8443/done'), 'success_url'],
    ['portal to a foreign origin', portal('https://evil.example/account'), 'return_url'],
  ]);
});

test('in live mode return URLs must be https, even on an allowed origin', async (t) => {
  await refusals(t, { STRIPE_SECRET_KEY: 'sk_live_123', RETURN_URL_ORIGINS: 'https://app.example.com,http://app.example.com' }, [
    ['checkout over http', checkout('http://app.example.com/done'), 'success_url'],
    ['portal over http', portal('http://app.example.com/account'), 'return_url'],
  ]);
});
