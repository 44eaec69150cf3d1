import { z } from 'zod';

export const EmailSchema = z
  .string({ message: 'must be a string' })
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email({ message: 'must be an email address' }))
  .transform((e) => e.toLowerCase());

export const PasswordSchema = z
  .string({ message: 'must be a string' })
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters');

export const CredentialsSchema = z
  .object({ email: EmailSchema, password: PasswordSchema })
  .strict();
export type Credentials = z.output<typeof CredentialsSchema>;

/** Login checks a password against a stored hash; the length rules of registration do not apply. */
export const LoginSchema = z
  .object({
    email: EmailSchema,
    password: z
      .string({ message: 'must be a string' })
      .min(1, 'is required')
      .max(1024, 'must be at most 1024 characters'),
  })
  .strict();

export const RefreshTokenBodySchema = z
  .object({
    refreshToken: z
      .string({ message: 'must be a string' })
      .min(1, 'is required')
      .max(512, 'is not a refresh token'),
  })
  .strict();

export const UserIdSchema = z.object({ userId: z.uuid() }).strict();

export const UserSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type User = z.output<typeof UserSchema>;

/** What the registry answers to a login or a refresh; the gateway adds the access token. */
export const SessionGrantSchema = z.object({
  user: UserSchema,
  refreshToken: z.string(),
  refreshExpiresAt: z.iso.datetime({ offset: true }),
});
export type SessionGrant = z.output<typeof SessionGrantSchema>;

export const TokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires.' }),
});
export type TokenPair = z.output<typeof TokenPairSchema>;
