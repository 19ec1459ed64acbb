import type { Response } from 'express';
import { pageHeaders } from '../../shared/pages/html.js';

/** Sends a page with the headers of every page (strict CSP, no caching). */
export const sendPage = (res: Response, page: string, status = 200) => void res.status(status).set(pageHeaders).send(page);

/** After a form: back to a page with a fixed notice (303, so a reload does not post again). */
export const redirectAfter = (res: Response, path: string, done: string) => res.redirect(303, `${path}${path.includes('?') ? '&' : '?'}done=${done}`);
