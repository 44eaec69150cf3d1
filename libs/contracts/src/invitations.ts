import { z } from 'zod';
import {
  EmailSchema,
  PasswordSchema,
  SessionGrantSchema,
  TokenPairSchema,
  UserSchema,
} from './auth';
import { TeamRoleSchema } from './teams';

/** How long an invitation's link works. */
export const INVITATION_TTL_DAYS = 7;
/** Pending invitations one team may have at once; past it a new one is refused (403). */
export const MAX_PENDING_INVITATIONS = 100;

const isoTime = z.iso.datetime({ offset: true });

/**
 * An invitation's secret: 32 random bytes, base64url (43 characters). Only its SHA-256 is
 * stored; anything else is as unknown as a used or expired token, so only the length is bounded.
 */
export const InvitationTokenSchema = z
  .string({ message: 'must be a string' })
  .min(1, 'is required')
  .max(128, 'is not an invitation token');

export const InvitationCreateSchema = z
  .object({
    email: EmailSchema,
    role: TeamRoleSchema.meta({
      description: 'The role the person gets on accepting; only an owner may invite an owner.',
    }),
  })
  .strict();
export type InvitationCreateInput = z.output<typeof InvitationCreateSchema>;

/** A pending invitation, as its team's admins see it (never with its token). */
export const InvitationSchema = z.object({
  id: z.uuid(),
  teamId: z.uuid(),
  email: UserSchema.shape.email,
  role: TeamRoleSchema,
  invitedBy: z.uuid().nullable().meta({ description: 'The member who invited; null once gone.' }),
  createdAt: isoTime,
  expiresAt: isoTime,
});
export type Invitation = z.output<typeof InvitationSchema>;

/** What the inviter is answered, once: the link works without email, like an API key. */
export const InvitationCreatedSchema = InvitationSchema.extend({
  acceptUrl: z.url().meta({
    description:
      'The one-time link the email carries (`<PUBLIC_URL>/invitations/{token}`); shown only here.',
  }),
  emailSent: z.boolean().meta({
    description: 'Whether the email went out; false when the notifier has no SMTP_URL or failed.',
  }),
});
export type InvitationCreated = z.output<typeof InvitationCreatedSchema>;

/** What the link's page shows before anyone signs in: enough to decide, nothing more. */
export const InvitationPreviewSchema = z.object({
  teamName: z.string(),
  email: UserSchema.shape.email,
  role: TeamRoleSchema,
  expiresAt: isoTime,
});
export type InvitationPreview = z.output<typeof InvitationPreviewSchema>;

/**
 * `POST /invitations/{token}/accept`: signed in (a bearer access token), no body is needed; without
 * one, `password` creates the account of the invited email.
 */
export const InvitationAcceptSchema = z.object({ password: PasswordSchema.optional() }).strict();
export type InvitationAcceptInput = z.output<typeof InvitationAcceptSchema>;

/** The membership an accepted invitation made. */
export const InvitationAcceptedSchema = z.object({
  teamId: z.uuid(),
  role: TeamRoleSchema,
  user: UserSchema,
});
export type InvitationAccepted = z.output<typeof InvitationAcceptedSchema>;

/** What `POST /invitations/{token}/accept` answers; `tokens` when it created the account. */
export const InvitationAcceptResultSchema = InvitationAcceptedSchema.extend({
  tokens: TokenPairSchema.optional().meta({
    description: 'The new account signed in, as `POST /auth/login` answers; absent when signed in.',
  }),
});
export type InvitationAcceptResult = z.output<typeof InvitationAcceptResultSchema>;

/** Accepted with a new account: the membership and the account's first session. */
export const InvitationAcceptedWithAccountSchema = SessionGrantSchema.extend({
  teamId: z.uuid(),
  role: TeamRoleSchema,
});
export type InvitationAcceptedWithAccount = z.output<typeof InvitationAcceptedWithAccountSchema>;

/** The acting member's role: the registry keeps the owners rule against it. */
const actor = { actorUserId: z.uuid().optional(), actorRole: TeamRoleSchema };

export const CreateInvitationRequestSchema = z
  .object({ teamId: z.uuid(), body: InvitationCreateSchema, ...actor })
  .strict();
export const ListInvitationsRequestSchema = z.object({ teamId: z.uuid() }).strict();
export const RevokeInvitationRequestSchema = z
  .object({ teamId: z.uuid(), invitationId: z.uuid() })
  .strict();
export const PeekInvitationRequestSchema = z.object({ token: InvitationTokenSchema }).strict();
export const AcceptInvitationRequestSchema = z
  .object({ token: InvitationTokenSchema, userId: z.uuid() })
  .strict();
export const AcceptInvitationWithAccountRequestSchema = z
  .object({ token: InvitationTokenSchema, password: PasswordSchema })
  .strict();

/** The registry's answer to a create: the token exists only in this answer. */
export const CreatedInvitationSchema = z.object({
  invitation: InvitationSchema,
  token: z.string(),
  teamName: z.string(),
});
export type CreatedInvitation = z.output<typeof CreatedInvitationSchema>;

/** The notifier's invitation email. */
export const InvitationMailRequestSchema = z
  .object({
    to: EmailSchema,
    teamName: z.string().min(1).max(100),
    inviterEmail: EmailSchema.optional(),
    role: TeamRoleSchema,
    acceptUrl: z.url(),
    expiresAt: isoTime,
  })
  .strict();
export type InvitationMail = z.output<typeof InvitationMailRequestSchema>;
