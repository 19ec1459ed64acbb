import { html } from '../../../shared/pages/html.js';
import { barePage, consoleBasePath } from '../layout.js';

/** The login form: an admin key, exchanged for the session cookie (`POST /admin/console/login`). */
export function loginPage(problem?: string): string {
  return barePage('Log in', html`
<h1>Billing console</h1>
<p class="lead">Customers, events, reconciliation and revenue of the billing service.</p>
${problem ? html`<p class="notice error" role="alert">${problem}</p>` : ''}
<form class="stack" method="post" action="${consoleBasePath}/login">
<label for="key">Admin API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
<p class="muted">A session lasts one hour. Create a key with <code>npm run -s billing -- keys create --name me --scope admin</code> (add <code>--read-only</code> for a key that may only look).</p>
`);
}

/** An error of a console request, as a page (the JSON shape is for the JSON routes). */
export function errorPage(status: number, code: string, message: string, signedIn: boolean): string {
  return barePage(`Error ${status}`, html`
<h1>${status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 400 ? 'Check the form' : 'Something went wrong'}</h1>
<p class="notice error" role="alert">${message} <code>${code}</code></p>
<p><a href="${consoleBasePath}">Back to the console</a>${signedIn ? '' : html` · <a href="${consoleBasePath}/login">Log in</a>`}</p>
`);
}
