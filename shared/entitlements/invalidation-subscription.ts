import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Context } from '../context.js';
import { closeRedis, createRedis, type Redis } from '../infra/redis.js';
import { cacheKeys } from './cache-keys.js';

/** Beats that may go unheard before invalidations count as no longer arriving. */
const UNHEARD_BEATS = 5;

/**
 * Whether this process hears cache invalidations, and the invalidations themselves. `up` when
 * they start arriving (subscribed, or beats heard again), `down` when they may be missed from now
 * on; whatever arrived in between may have been lost, so a listener drops what it cached.
 *
 * Policy: the subscription is up only while subscribed AND a heartbeat this process publishes to a
 * channel of its own every `heartbeatMs` comes back. A disconnect is not the only way to miss
 * messages: when a Redis Cluster master fails, ioredis moves the subscription to another node by
 * itself, with no disconnect to see, and the messages of the gap are lost; `UNHEARD_BEATS` beats
 * unheard then turn it down until one arrives.
 */
export class InvalidationSubscription extends EventEmitter<{ message: [message: string]; up: []; down: [] }> {
  private subscriber: Redis | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** When this process last heard its own heartbeat (epoch ms). */
  private heardAt = 0;
  private isUp = false;

  constructor(private readonly inputs: Pick<Context, 'config' | 'redis' | 'logger'>, private readonly heartbeatMs = 1000) {
    super();
  }

  get up(): boolean {
    return this.isUp;
  }

  /** Opens the dedicated subscriber connection and starts beating; `up` follows once subscribed. */
  start(): void {
    if (this.subscriber) return;
    const { config, logger } = this.inputs;
    const channel = cacheKeys.channel(config.REDIS_PREFIX);
    // Only this process listens on its heartbeat channel: a beat costs each process one message.
    const heartbeat = `${channel}:heartbeat:${randomUUID()}`;
    // Named after the prefix so an operator (or a test) can find this process group's subscribers in CLIENT LIST.
    const subscriber = createRedis(config, 'subscriber', `billing-api-entitlements:${config.REDIS_PREFIX}`);
    this.subscriber = subscriber;
    subscriber.on('message', (from: string, message: string) => {
      if (from === heartbeat) this.heard();
      else this.emit('message', message);
    });
    // ioredis resubscribes by itself after a reconnect; subscribing again (idempotent) tells us when that took effect.
    subscriber.on('ready', () => {
      subscriber.subscribe(channel, heartbeat).then(() => {
        this.heardAt = Date.now();
        this.turn(true);
      }, () => undefined);
    });
    subscriber.on('close', () => {
      if (this.isUp) logger.warn('entitlement cache subscriber disconnected; in-process tier off until it resubscribes');
      this.turn(false);
    });
    this.heartbeat = setInterval(() => {
      if (this.isUp && Date.now() - this.heardAt > UNHEARD_BEATS * this.heartbeatMs) {
        logger.warn('entitlement cache heartbeat unheard; in-process tier off until invalidations arrive again');
        this.turn(false);
      }
      this.inputs.redis.publish(heartbeat, '1').catch(() => undefined);
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.isUp = false;
    if (this.subscriber) await closeRedis(this.subscriber);
    this.subscriber = undefined;
  }

  /** A beat came back: invalidations arrive (again). */
  private heard(): void {
    this.heardAt = Date.now();
    if (!this.isUp && this.subscriber?.status === 'ready') this.turn(true);
  }

  /** `down` on every loss (a listener clears again); `up` on every (re)subscription. */
  private turn(up: boolean): void {
    this.isUp = up;
    this.emit(up ? 'up' : 'down');
  }
}
