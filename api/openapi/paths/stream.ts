import type { PathItem } from '../types.js';

const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

/** The event stream (Server-Sent Events). */
export const streamPaths: Record<string, PathItem> = {
  '/v1/stream': {
    get: {
      operationId: 'streamEvents',
      summary: 'Server-Sent Events of entitlement changes',
      description:
        '`text/event-stream` of `entitlements.updated` events. With `customer` the stream carries that customer only and needs a key ' +
        'with scope `read`; without it, every customer, and the key needs scope `stream` (or `admin`).\n\n' +
        'Each event is `id: <log id>`, `event: entitlements.updated`, `data: <EntitlementsUpdatedEvent JSON>`. Send the last id you ' +
        'saw as `Last-Event-ID` (or `last_event_id`) when reconnecting: the events you missed are replayed from the change log ' +
        '(kept `STREAM_RETENTION_HOURS`, default 24 h), then the stream goes on live, nothing twice. When the log no longer holds ' +
        'everything after your id, the first event is `resync` (`data: {"reason"}`): refetch the entitlements you hold, then go on. ' +
        'A fresh stream (no id) starts at the present: read the current state with `GET /v1/customers/{ref}/entitlements` and apply ' +
        'events whose `version` is newer.\n\n' +
        'A comment line (`: keep-alive`) is sent every `STREAM_HEARTBEAT_SECONDS` (default 15). A client that leaves more than ' +
        '`STREAM_MAX_BUFFER_BYTES` (default 1 MiB) unread is disconnected and should resume with `Last-Event-ID`. Any api instance ' +
        'serves any stream. Balance events arrive with metered usage. A `subscription.trial_will_end` event ' +
        '(`data: <SubscriptionTrialWillEndEvent JSON>`) tells that a trial ends in three days; it carries no `version`.',
      tags: ['entitlements'],
      parameters: [
        { name: 'customer', in: 'query', description: 'A Stripe customer id or user id: only its events.', schema: { type: 'string', pattern: '^(cus_[A-Za-z0-9]+|[\\w.:@|+-]{1,200})$' } },
        { name: 'Last-Event-ID', in: 'header', description: 'The id of the last event received: resume after it.', schema: { type: 'string', pattern: '^\\d+-\\d+$' } },
        { name: 'last_event_id', in: 'query', description: 'The same, for clients that cannot send headers; the header wins.', schema: { type: 'string', pattern: '^\\d+-\\d+$' } },
      ],
      responses: {
        '200': {
          description: 'The stream. Each `data:` line of an `entitlements.updated` event is an `EntitlementsUpdatedEvent`.',
          content: {
            'text/event-stream': {
              schema: { type: 'string' },
              example: 'id: 1764570000000-0\nevent: entitlements.updated\ndata: {"id":"evt_ent_…_3","type":"entitlements.updated",…}\n\n',
            },
          },
        },
        '400': errorRef('BadRequest'),
        '401': errorRef('Unauthorized'),
        '403': errorRef('Forbidden'),
        '503': errorRef('Unavailable'),
      },
    },
  },
};
