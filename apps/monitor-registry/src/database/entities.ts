import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { InvitationEntity } from '../invitations/invitation.entity';
import { MaintenanceEventEntity } from '../maintenance-windows/maintenance-event.entity';
import { MaintenanceWindowEntity } from '../maintenance-windows/maintenance-window.entity';
import { StatusPageEntity } from '../status-pages/status-page.entity';
import { MonitorEventEntity } from '../events/monitor-event.entity';
import { MonitorCountEntity } from '../monitors/monitor-count.entity';
import { MonitorEntity } from '../monitors/monitor.entity';
import { RefreshTokenEntity } from '../sessions/refresh-token.entity';
import { TeamMemberEntity } from '../teams/team-member.entity';
import { TeamEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';

export const REGISTRY_ENTITIES = [
  UserEntity,
  TeamEntity,
  TeamMemberEntity,
  ApiKeyEntity,
  InvitationEntity,
  RefreshTokenEntity,
  MonitorEntity,
  MonitorCountEntity,
  MonitorEventEntity,
  MaintenanceWindowEntity,
  MaintenanceEventEntity,
  StatusPageEntity,
];
