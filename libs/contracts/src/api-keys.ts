import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TeamRoleSchema } from './teams';

/**
 * API keys: `upk_` and 32 random bytes in base64url. The registry keeps only the key's SHA-256;
 * the raw key is shown once, in the reply that creates it, and afterwards only its first
 * characters (`prefix`) are. A key acts in its team with its role, nowhere else.
 */
export const API_KEY_PREFIX = 'upk_';
/** 32 bytes in base64url, unpadded: 43 characters. */
const API_KEY_PATTERN = /^upk_[A-Za-z0-9_-]{43}$/;
/** How much of a key is kept and shown to tell keys apart: `upk_` and 8 characters. */
export const API_KEY_SHOWN_LENGTH = API_KEY_PREFIX.length + 8;
/** The furthest expiry a key may be given. */
export const API_KEY_MAX_LIFETIME_DAYS = 2 * 366;

/** Whether a bearer token is meant as an API key (rather than an access token). */
export function isApiKeyLike(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** Whether the text has an API key's exact shape; anything else cannot be one. */
export function hasApiKeyShape(token: string): boolean {
  return API_KEY_PATTERN.test(token);
}

/** What the registry stores and the gateway asks about: the key's SHA-256, in hex. */
export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The one answer to a key that does not work, whatever the reason: it tells nothing more. */
export const API_KEY_REFUSED = 'The API key is not valid (unknown, revoked or expired).';

const DAY_MS = 86_400_000;

const ExpiresAtSchema = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' })
  .superRefine((at, ctx) => {
    const ms = Date.parse(at);
    // Not a date-time at all: the format's own message says so, once.
    if (Number.isNaN(ms)) return;
    if (ms <= Date.now()) ctx.addIssue({ code: 'custom', message: 'must be in the future' });
    else if (ms > Date.now() + API_KEY_MAX_LIFETIME_DAYS * DAY_MS) {
      const message = `must be at most ${API_KEY_MAX_LIFETIME_DAYS} days from now`;
      ctx.addIssue({ code: 'custom', message });
    }
  })
  .meta({ description: 'When the key stops working; absent, it works until it is deleted.' });

export const ApiKeyCreateSchema = z
  .object({
    name: z
      .string({ message: 'must be a string' })
      .trim()
      .min(1, 'is required')
      .max(100, 'must be at most 100 characters'),
    role: TeamRoleSchema.meta({
      description: "The key's role in the team; at most the creator's own role.",
    }),
    expiresAt: ExpiresAtSchema.optional(),
  })
  .strict();
export type ApiKeyCreateInput = z.output<typeof ApiKeyCreateSchema>;

const isoTime = z.iso.datetime({ offset: true });

export const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  role: TeamRoleSchema,
  prefix: z.string().meta({ description: 'The first characters of the key, to recognise it.' }),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime
    .nullable()
    .meta({ description: 'The last request made with the key, to the minute.' }),
  createdBy: z.uuid().nullable().meta({ description: 'The member who created the key.' }),
});
export type ApiKey = z.output<typeof ApiKeySchema>;

/** The one reply that carries the key itself; it is never shown again. */
export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  key: z.string().meta({ description: 'The key (`upk_...`): shown this once, store it now.' }),
});
export type ApiKeyCreated = z.output<typeof ApiKeyCreatedSchema>;

export const CreateApiKeyRequestSchema = z
  .object({
    teamId: z.uuid(),
    /** The creator's role in the team: a key's role may not exceed it. */
    actorRole: TeamRoleSchema,
    createdBy: z.uuid(),
    body: ApiKeyCreateSchema,
  })
  .strict();
export const ListApiKeysRequestSchema = z.object({ teamId: z.uuid() }).strict();
export const DeleteApiKeyRequestSchema = z
  .object({ teamId: z.uuid(), keyId: z.uuid(), actorRole: TeamRoleSchema })
  .strict();

/** The gateway's question about a presented key, by its hash: the key never travels again. */
export const VerifyApiKeyRequestSchema = z
  .object({ keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex') })
  .strict();
/** Who a working key is: what the gateway acts on and remembers (until `expiresAt` at most). */
export const ApiKeyIdentitySchema = z.object({
  keyId: z.uuid(),
  teamId: z.uuid(),
  role: TeamRoleSchema,
  expiresAt: isoTime.nullable(),
});
export type ApiKeyIdentity = z.output<typeof ApiKeyIdentitySchema>;

/** The key was used (the gateway sends it at most once a minute per key). */
export const ApiKeyUsedRequestSchema = z.object({ keyId: z.uuid() }).strict();

/**
 * Published (core NATS, no stream) after a key was deleted: every gateway forgets it at once.
 * The registry flushes it before it answers the deletion, so by the time the client hears the
 * deletion succeeded, every connected gateway has been sent the notice.
 */
export const ApiKeyRevokedSchema = z.object({ keyId: z.uuid(), teamId: z.uuid() });
export type ApiKeyRevoked = z.output<typeof ApiKeyRevokedSchema>;
