import { MonitorEventEntity } from '../events/monitor-event.entity';
import { MonitorEntity } from '../monitors/monitor.entity';
import { RefreshTokenEntity } from '../sessions/refresh-token.entity';
import { UserEntity } from '../users/user.entity';

export const REGISTRY_ENTITIES = [
  UserEntity,
  RefreshTokenEntity,
  MonitorEntity,
  MonitorEventEntity,
];
