/** Why something is announced to apps: the Stripe event, grant or reconciliation run, an API request, or the service itself. */
export interface EventCause {
  type: 'event' | 'grant' | 'reconciliation' | 'request' | 'system';
  id: string | null;
}
