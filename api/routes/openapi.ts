import { Router } from 'express';
import { openApiDocument } from '../openapi/document.js';

/** `GET /openapi.json`, without authentication: the document describes the public api. */
export function openApiRoutes(): Router {
  const router = Router();
  const body = JSON.stringify(openApiDocument);
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
