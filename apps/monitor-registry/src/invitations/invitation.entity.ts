import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { INVITATION_TTL_DAYS, type TeamRole } from '@uptime/contracts';
import { randomUUID } from 'node:crypto';
import { TeamEntity } from '../teams/team.entity';

const DAY_MS = 86_400_000;

/**
 * An invitation to join a team with a role. Only the SHA-256 of its token is kept: the token
 * lives in the email and in the inviter's one answer. Used once (`acceptedAt`); expired or used
 * rows are deleted when the team makes its next invitation.
 */
@Entity({ tableName: 'invitations' })
@Index({ name: 'invitations_team_email_index', properties: ['teamId', 'email'] })
export class InvitationEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({
    entity: () => TeamEntity,
    deleteRule: 'cascade',
    fieldName: 'team_id',
    mapToPk: true,
  })
  teamId!: string;

  /** Lower-cased, as accounts' emails are. */
  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 16 })
  role!: TeamRole;

  @Property({ type: 'string', length: 64 })
  @Unique({ name: 'invitations_token_hash_unique' })
  tokenHash!: string;

  /** The inviting member's user id; kept as a plain id, so the invitation outlives their account. */
  @Property({ type: 'uuid', nullable: true })
  invitedBy: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt: Date = new Date(this.createdAt.getTime() + INVITATION_TTL_DAYS * DAY_MS);

  @Property({ type: 'datetime', nullable: true })
  acceptedAt: Date | null = null;
}
