/** A manual grant as stored and as the admin API returns it. */
export interface GrantRow {
  id: string;
  customer_id: string;
  feature: string;
  /** `true` or a non-negative number. */
  value: true | number;
  reason: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
  /** When the expiry sweep recorded the expiry in the audit log (expiry itself needs no job). */
  expiry_recorded_at: Date | null;
  created_by: string;
  created_at: Date;
}

export const grantColumns = [
  'id', 'customer_id', 'feature', 'value', 'reason', 'expires_at', 'revoked_at', 'revoked_reason', 'expiry_recorded_at', 'created_by', 'created_at',
] as const;

