import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { BusModule, natsReadiness, STREAM_SIZES } from '@uptime/bus';
import { TelemetryModule, HealthModule } from '@uptime/health';
import {
  postgresReadiness,
  RequestContextInterceptor,
  SchemaMigrator,
  UnitOfWork,
} from '@uptime/persistence';
import { ApiKeyNotices } from './api-keys/api-key-notices';
import { StatusPageNotices } from './status-pages/status-page-notices';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { ApiKeysHandler } from './api-keys/api-keys.handler';
import { ApiKeysService } from './api-keys/api-keys.service';
import { ChannelEventFollower } from './channel-events/channel-event-follower';
import { ConfigApplyHandler } from './config-apply/config-apply.handler';
import { ConfigApplyService } from './config-apply/config-apply.service';
import { REGISTRY_CONFIG, type RegistryConfig } from './config';
import { registryOrmOptions } from './database/mikro-orm.config';
import { MonitorEventRelay } from './events/monitor-event-relay';
import { MonitorEventRepository } from './events/monitor-event.repository';
import { TombstoneSweeper } from './events/tombstone-sweeper';
import { InvitationRepository } from './invitations/invitation.repository';
import { InvitationsHandler } from './invitations/invitations.handler';
import { InvitationsService } from './invitations/invitations.service';
import { MaintenanceEventRelay } from './maintenance-windows/maintenance-event-relay';
import { MaintenanceWindowRepository } from './maintenance-windows/maintenance-window.repository';
import { MaintenanceWindowsHandler } from './maintenance-windows/maintenance-windows.handler';
import { MaintenanceWindowsService } from './maintenance-windows/maintenance-windows.service';
import { StatusPageRepository } from './status-pages/status-page.repository';
import { StatusPagesHandler } from './status-pages/status-pages.handler';
import { StatusPagesService } from './status-pages/status-pages.service';
import { MonitorQuota } from './monitors/monitor-quota';
import { MonitorRepository } from './monitors/monitor.repository';
import { MonitorsHandler } from './monitors/monitors.handler';
import { MonitorsService } from './monitors/monitors.service';
import { MonitorTargets } from './monitors/monitor-targets';
import { TeamMonitors } from './monitors/team-monitors';
import { AuthHandler } from './sessions/auth.handler';
import { RefreshTokenRepository } from './sessions/refresh-token.repository';
import { SessionsService } from './sessions/sessions.service';
import { PasswordHasher } from './users/password-hasher';
import { UserRepository } from './users/user.repository';
import { UsersService } from './users/users.service';
import { TeamAccessNotices } from './teams/team-access-notices';
import { TeamRepository } from './teams/team.repository';
import { TeamsHandler } from './teams/teams.handler';
import { TeamsService } from './teams/teams.service';

@Module({})
export class RegistryModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'monitor-registry' }),
        TelemetryModule.forApp({ app: 'monitor-registry' }),
        MikroOrmModule.forRoot({
          ...registryOrmOptions(config.databaseUrl),
          registerRequestContext: false,
        }),
        HealthModule.forApp(
          natsReadiness({
            inject: [MikroORM],
            checks: (orm: MikroORM) => [postgresReadiness(orm)],
          }),
        ),
      ],
      controllers: [
        AuthHandler,
        MonitorsHandler,
        TeamsHandler,
        ConfigApplyHandler,
        ApiKeysHandler,
        InvitationsHandler,
        MaintenanceWindowsHandler,
        StatusPagesHandler,
      ],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: config },
        { provide: STREAM_SIZES, useValue: config.streamSizes ?? {} },
        SchemaMigrator,
        UnitOfWork,
        // Every message handled gets an identity map of its own.
        { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
        MonitorEventRepository,
        MonitorEventRelay,
        TombstoneSweeper,
        MonitorQuota,
        TeamMonitors,
        MonitorRepository,
        MonitorTargets,
        MonitorsService,
        ConfigApplyService,
        ChannelEventFollower,
        PasswordHasher,
        RefreshTokenRepository,
        SessionsService,
        UserRepository,
        UsersService,
        TeamRepository,
        TeamsService,
        TeamAccessNotices,
        ApiKeyRepository,
        ApiKeysService,
        ApiKeyNotices,
        StatusPageNotices,
        InvitationRepository,
        InvitationsService,
        MaintenanceWindowRepository,
        MaintenanceWindowsService,
        MaintenanceEventRelay,
        StatusPageRepository,
        StatusPagesService,
      ],
    };
  }
}
