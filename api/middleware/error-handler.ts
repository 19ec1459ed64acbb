import type { NextFunction, Request, Response } from 'express';
import { AppError, isConnectionError, isPoolTimeout } from '../../shared/errors.js';
import type { Logger } from '../../shared/infra/logger.js';

interface HttpParserError { status?: unknown; type?: unknown; expose?: unknown }

/** Translates any error into the one JSON error shape; never a stack trace, never a 500 for bad input. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(error);
    if (appError.status >= 500) logger.error('request failed', { error, method: req.method, path: req.path });
    if (res.headersSent) return;
    res.status(appError.status).json(appError.toJSON());
  };
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // The router could not decode a path parameter (`/v1/customers/%E0%A4%A/entitlements`): the client's mistake.
  if (error instanceof URIError) return new AppError(400, 'invalid_request', 'invalid_path_encoding', 'the path is not valid percent-encoding');
  const parser = error as HttpParserError;
  if (typeof parser.status === 'number' && parser.expose === true && parser.status < 500) {
    if (parser.status === 413) return new AppError(413, 'invalid_request', 'payload_too_large', 'request body is too large');
    return new AppError(parser.status, 'invalid_request', typeof parser.type === 'string' ? parser.type.replaceAll('.', '_') : 'bad_request', 'request body could not be read');
  }
  if (isConnectionError(error) || isPoolTimeout(error)) {
    return new AppError(503, 'unavailable', 'dependency_unavailable', 'a backing service is unavailable; retry shortly');
  }
  return new AppError(500, 'internal', 'internal_error', 'internal error');
}

export function notFoundHandler(req: Request, res: Response) {
  res.status(404).json(new AppError(404, 'not_found', 'route_not_found', `no route for ${req.method} ${req.path}`).toJSON());
}
