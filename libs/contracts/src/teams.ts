import { z } from 'zod';
import { UserSchema } from './auth';

/**
 * Roles in a team, weakest first: each can do what the ones before it can.
 * `viewer` reads; `editor` changes monitors (and, when they exist, status pages and maintenance);
 * `admin` also manages members below owner, API keys and channels; `owner` also manages owners
 * and may delete the team.
 */
export const TEAM_ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export const TeamRoleSchema = z.enum(TEAM_ROLES, {
  message: `must be one of ${TEAM_ROLES.join(', ')}`,
});
export type TeamRole = z.output<typeof TeamRoleSchema>;

/** Whether `role` can do what `needed` can. */
export function roleAtLeast(role: TeamRole, needed: TeamRole): boolean {
  return TEAM_ROLES.indexOf(role) >= TEAM_ROLES.indexOf(needed);
}

const TeamNameSchema = z
  .string({ message: 'must be a string' })
  .trim()
  .min(1, 'is required')
  .max(100, 'must be at most 100 characters');

export const TeamCreateSchema = z.object({ name: TeamNameSchema }).strict();
export type TeamCreateInput = z.output<typeof TeamCreateSchema>;
export const TeamPatchSchema = z.object({ name: TeamNameSchema.optional() }).strict();
export type TeamPatchInput = z.output<typeof TeamPatchSchema>;

const isoTime = z.iso.datetime({ offset: true });

export const TeamSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  personal: z.boolean().meta({
    description:
      'The team every account gets at registration; it is the default scope and cannot be deleted.',
  }),
  role: TeamRoleSchema.meta({ description: "The caller's role in the team." }),
  createdAt: isoTime,
});
export type Team = z.output<typeof TeamSchema>;

export const MemberSchema = z.object({
  userId: z.uuid(),
  email: UserSchema.shape.email,
  role: TeamRoleSchema,
  joinedAt: isoTime,
});
export type Member = z.output<typeof MemberSchema>;

export const MemberPatchSchema = z.object({ role: TeamRoleSchema }).strict();
export type MemberPatchInput = z.output<typeof MemberPatchSchema>;

/** Who may do what in a team: what the gateway's access guard decides with. */
export const TeamAccessSchema = z.object({ teamId: z.uuid(), role: TeamRoleSchema });
export type TeamAccess = z.output<typeof TeamAccessSchema>;

/** The acting member's role: the registry keeps its invariants (owners) against it. */
const actor = { actorUserId: z.uuid().optional(), actorRole: TeamRoleSchema };

export const TeamAccessRequestSchema = z
  .object({ userId: z.uuid(), teamId: z.uuid().optional() })
  .strict();
export const CreateTeamRequestSchema = z
  .object({ userId: z.uuid(), body: TeamCreateSchema })
  .strict();
export const ListTeamsRequestSchema = z.object({ userId: z.uuid() }).strict();
export const TeamRequestSchema = z.object({ teamId: z.uuid(), role: TeamRoleSchema }).strict();
export const UpdateTeamRequestSchema = z
  .object({ teamId: z.uuid(), role: TeamRoleSchema, body: TeamPatchSchema })
  .strict();
export const DeleteTeamRequestSchema = z.object({ teamId: z.uuid() }).strict();
export const ListMembersRequestSchema = z.object({ teamId: z.uuid() }).strict();
export const UpdateMemberRequestSchema = z
  .object({ teamId: z.uuid(), userId: z.uuid(), body: MemberPatchSchema, ...actor })
  .strict();
export const RemoveMemberRequestSchema = z
  .object({ teamId: z.uuid(), userId: z.uuid(), ...actor })
  .strict();

/**
 * Published (core NATS, no stream) after a change to who may do what in a team: a member's role
 * changed or a member left, or the team was deleted. Gateways drop what they remembered of it.
 */
export const TeamAccessChangedSchema = z.object({
  teamId: z.uuid(),
  userId: z.uuid().optional(),
});
export type TeamAccessChanged = z.output<typeof TeamAccessChangedSchema>;
