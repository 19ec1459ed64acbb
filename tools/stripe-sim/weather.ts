import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SimError } from './errors.js';
import type { Random } from './random.js';

/**
 * Bad weather on the `/v1` API, the way the real Stripe misbehaves: rate limiting, server errors,
 * connections dropped without an answer, slow answers, and full outages. Each request draws once;
 * the shares add up (at most 100 %). All default to off.
 */
export interface WeatherSettings {
  /** Share of requests answered 429 `rate_limit_error` with `Retry-After`, 0–100. @defaultValue 0 */
  rateLimitPercent: number;
  /** The `Retry-After` of those 429s, in seconds. @defaultValue 1 */
  retryAfterSeconds: number;
  /** Share of requests answered 500 `api_error`, 0–100. @defaultValue 0 */
  serverErrorPercent: number;
  /** Share of requests whose connection is closed without an answer (before the request is applied), 0–100. @defaultValue 0 */
  dropPercent: number;
  /** Share of requests answered correctly but only after `slowMs`, 0–100. @defaultValue 0 */
  slowPercent: number;
  /** @defaultValue 2000 */
  slowMs: number;
  /**
   * Only requests made with one of these secret keys meet the weather (e.g. the service under test,
   * while the test's own client drives Stripe in fair weather). Empty: every request.
   * @defaultValue []
   */
  onlyKeys: string[];
  /**
   * Only requests to paths starting with one of these (below `/v1`, e.g. `/billing/meter_events`)
   * meet the weather, so one endpoint can fail while the rest answer. Empty: every path.
   * @defaultValue []
   */
  onlyPaths: string[];
}

/** How a full outage answers: 503 `api_error` to every request, or every connection dropped. */
export type OutageMode = 'error' | 'drop';

/** What the weather did so far. */
export interface WeatherFigures {
  /** `/v1` requests the weather applied to (`onlyKeys` permitting). */
  requests: number;
  rateLimited: number;
  serverErrors: number;
  dropped: number;
  slowed: number;
  /** Requests refused (503 or dropped) while the API was down. */
  refusedWhileDown: number;
  outages: number;
}

export const defaultWeather: WeatherSettings = {
  rateLimitPercent: 0, retryAfterSeconds: 1, serverErrorPercent: 0, dropPercent: 0, slowPercent: 0, slowMs: 2000, onlyKeys: [], onlyPaths: [],
};

const bearer = (request: Request): string => {
  const header = request.header('authorization') ?? '';
  return header.startsWith('Bearer ') ? header.slice(7).trim() : '';
};

function answer(response: Response, error: SimError, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.status(error.status).json(error.toBody());
}

const dropConnection = (request: Request): void => { request.socket.destroy(); };

/** The weather of one simulator: settings changed at any time, outages, and the figures. */
export class Weather {
  readonly settings: WeatherSettings;
  readonly figures: WeatherFigures = { requests: 0, rateLimited: 0, serverErrors: 0, dropped: 0, slowed: 0, refusedWhileDown: 0, outages: 0 };
  #outage: { mode: OutageMode; until: number; timer: NodeJS.Timeout | undefined } | null = null;

  constructor(private readonly random: Random, settings: Partial<WeatherSettings> = {}) {
    this.settings = { ...defaultWeather };
    this.set(settings);
  }

  /** Changes the settings given (undefined ones stay); throws a 400 SimError when the shares add up to more than 100 %. */
  set(changes: Partial<WeatherSettings>): WeatherSettings {
    const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const next: WeatherSettings = { ...this.settings, ...given };
    const shares = [next.rateLimitPercent, next.serverErrorPercent, next.dropPercent, next.slowPercent];
    if (shares.some((share) => share < 0) || shares.reduce((sum, share) => sum + share, 0) > 100) {
      throw new SimError(400, 'invalid_request_error', 'Weather shares must be ≥ 0 and add up to at most 100 %.', 'parameter_invalid');
    }
    Object.assign(this.settings, next);
    return this.settings;
  }

  /** Whether the API is down now, and until when (epoch ms; `Infinity` until {@link endOutage}). */
  get outage(): { mode: OutageMode; until: number } | null {
    return this.#outage && { mode: this.#outage.mode, until: this.#outage.until };
  }

  /** Takes the API down now, for `durationMs` or until {@link endOutage}. */
  startOutage(durationMs: number = Infinity, mode: OutageMode = 'error'): void {
    this.endOutage();
    const timer = Number.isFinite(durationMs) ? setTimeout(() => this.endOutage(), durationMs) : undefined;
    timer?.unref();
    this.#outage = { mode, until: Date.now() + durationMs, timer };
    this.figures.outages += 1;
  }

  endOutage(): void {
    clearTimeout(this.#outage?.timer);
    this.#outage = null;
  }

  /** One draw per request: which fault it meets, if any (the shares laid end to end over 0–100). */
  #draw(): 'rateLimit' | 'serverError' | 'drop' | 'slow' | null {
    const { rateLimitPercent, serverErrorPercent, dropPercent, slowPercent } = this.settings;
    const roll = this.random.next() * 100;
    let bound = 0;
    for (const [fault, share] of [['rateLimit', rateLimitPercent], ['serverError', serverErrorPercent], ['drop', dropPercent], ['slow', slowPercent]] as const) {
      bound += share;
      if (roll < bound) return fault;
    }
    return null;
  }

  /** Express middleware for `/v1`, in front of the API router: applies the weather to each request. */
  middleware(): RequestHandler {
    return (request: Request, response: Response, next: NextFunction) => {
      const { settings, figures } = this;
      if (settings.onlyKeys.length > 0 && !settings.onlyKeys.includes(bearer(request))) return void next();
      if (settings.onlyPaths.length > 0 && !settings.onlyPaths.some((path) => request.path.startsWith(path))) return void next();
      figures.requests += 1;
      if (this.#outage) {
        figures.refusedWhileDown += 1;
        if (this.#outage.mode === 'drop') return void dropConnection(request);
        return void answer(response, new SimError(503, 'api_error', 'The Stripe API is unavailable (a simulated outage).'));
      }
      const fault = this.#draw();
      if (fault === 'rateLimit') {
        figures.rateLimited += 1;
        return void answer(response, new SimError(429, 'rate_limit_error', 'Too many requests hit the API too quickly.', 'rate_limit'),
          { 'Retry-After': String(settings.retryAfterSeconds) });
      }
      if (fault === 'serverError') {
        figures.serverErrors += 1;
        return void answer(response, new SimError(500, 'api_error', 'An unknown error occurred (injected by the simulator).'));
      }
      if (fault === 'drop') {
        figures.dropped += 1;
        return void dropConnection(request);
      }
      if (fault === 'slow') {
        figures.slowed += 1;
        const timer = setTimeout(next, settings.slowMs);
        // A client that gave up (timed out) closes the connection: nothing is left to answer.
        response.once('close', () => clearTimeout(timer));
        return;
      }
      next();
    };
  }

  close(): void {
    this.endOutage();
  }
}
