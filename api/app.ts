import express, { type Express } from 'express';
import type { Context } from '../shared/context.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-context.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { webhookRoutes } from './routes/webhook.js';

/** The Express application: routes and middleware over a context; no listening, no process wiring. */
export function createApp(context: Context): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', context.config.TRUST_PROXY);
  app.use(requestContext(context.logger, context.metrics));
  app.use(healthRoutes(context));
  app.use(metricsRoutes(context.metrics));
  // Raw body on this route only: signatures are computed over the exact bytes Stripe sent.
  app.use(webhookRoutes(context));
  app.use(notFoundHandler);
  app.use(errorHandler(context.logger));
  return app;
}
