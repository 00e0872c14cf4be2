// The Keystone v3 token as we read it (api-notes §2.2): X-Subject-Token plus the body's
// expiry, user, project, roles and catalog. Unknown fields are tolerated.

import { z } from 'zod';
import type { CatalogService } from './catalog.js';

const ref = z.object({ id: z.string(), name: z.string().nullish() });

export const tokenBodySchema = z.object({
  token: z.object({
    methods: z.array(z.string()).default([]),
    expires_at: z.string(),
    issued_at: z.string().nullish(),
    user: z.object({ id: z.string(), name: z.string().nullish(), domain: ref.partial().nullish() }),
    project: z.object({ id: z.string(), name: z.string().nullish(), domain: ref.partial().nullish() }).nullish(),
    roles: z.array(z.object({ id: z.string().nullish(), name: z.string() })).nullish(),
    catalog: z
      .array(
        z.object({
          type: z.string(),
          name: z.string().nullish(),
          endpoints: z.array(
            z.object({ interface: z.string(), url: z.string(), region_id: z.string().nullish(), region: z.string().nullish() }),
          ),
        }),
      )
      .nullish(),
    application_credential: z.object({ id: z.string(), name: z.string().nullish(), restricted: z.boolean().nullish() }).nullish(),
  }),
});

/** What a session knows after authenticating. Never printed whole: `value` is secret. */
export interface TokenInfo {
  /** The X-Subject-Token value (registered with the redactor). */
  readonly value: string;
  /** When to re-authenticate, on the session's clock (derived from the token's lifetime). */
  readonly refreshAtMs: number;
  readonly expiresAt: string;
  readonly methods: readonly string[];
  readonly userId: string;
  readonly userName: string | undefined;
  readonly projectId: string | undefined;
  readonly projectName: string | undefined;
  readonly roles: readonly string[];
  readonly catalog: readonly CatalogService[];
  readonly applicationCredentialId: string | undefined;
}

/**
 * When to refresh, on the local clock: the server's lifetime (expires_at - issued_at) measured
 * from receipt, so skew between this host and Keystone (or a simulator's clock) does not matter.
 * Refreshes marginMs early, but never earlier than half-way through a short lifetime.
 */
export function refreshAt(receivedAtMs: number, expiresAt: string, issuedAt: string | null | undefined, marginMs: number, serverNowMs: number): number {
  const exp = Date.parse(expiresAt);
  const iss = issuedAt ? Date.parse(issuedAt) : NaN;
  const lifetime = Number.isNaN(exp) ? 0 : Number.isNaN(iss) ? exp - serverNowMs : exp - iss;
  const margin = Math.min(marginMs, Math.max(0, lifetime) / 2);
  return receivedAtMs + Math.max(0, lifetime - margin);
}
