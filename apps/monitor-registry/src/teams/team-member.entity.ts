import { Entity, Index, ManyToOne, PrimaryKeyProp, Property } from '@mikro-orm/core';
import type { TeamRole } from '@uptime/contracts';
import { UserEntity } from '../users/user.entity';
import { TeamEntity } from './team.entity';

@Entity({ tableName: 'team_members' })
@Index({ name: 'team_members_user_index', properties: ['userId'] })
export class TeamMemberEntity {
  [PrimaryKeyProp]?: ['teamId', 'userId'];

  @ManyToOne({
    entity: () => TeamEntity,
    primary: true,
    deleteRule: 'cascade',
    fieldName: 'team_id',
    mapToPk: true,
  })
  teamId!: string;

  @ManyToOne({
    entity: () => UserEntity,
    primary: true,
    deleteRule: 'cascade',
    fieldName: 'user_id',
    mapToPk: true,
  })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  role!: TeamRole;

  @Property({ type: 'datetime' })
  joinedAt: Date = new Date();
}
