import { type DynamicModule, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { BusClient, BusModule, natsReadiness } from '@uptime/bus';
import {
  HealthModule,
  type MetricsSource,
  type ReadinessCheck,
  TelemetryModule,
} from '@uptime/health';
import { AccessGuard } from './access/access.guard';
import { ApiKeys } from './access/api-keys';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { MaintenanceWindowsController } from './maintenance-windows/maintenance-windows.controller';
import { TeamMemberships } from './access/team-memberships';
import { AccessTokens } from './auth/access-tokens';
import { AuthController } from './auth/auth.controller';
import { JwtStrategy } from './auth/jwt.strategy';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { ChecksController } from './checks/checks.controller';
import { ResponseTimesController } from './checks/response-times.controller';
import { ReportsController } from './reports/reports.controller';
import { BadgesController } from './badges/badges.controller';
import { PublicStatusController } from './status-pages/public-status.controller';
import { PublicStatusPages } from './status-pages/public-status-pages';
import { StatusPagesController } from './status-pages/status-pages.controller';
import { OnDemandCheck } from './checks/on-demand-check';
import { DashboardController } from './dashboard/dashboard.controller';
import { METRICS_CLIENT } from './metrics-client';
import { AlertsController } from './alerts/alerts.controller';
import { ChannelsController } from './channels/channels.controller';
import { ConfigDocumentsController } from './config-as-code/config-documents.controller';
import { ConfigDocumentsService } from './config-as-code/config-documents.service';
import { HeartbeatPings } from './heartbeats/heartbeat-pings';
import { PingController } from './heartbeats/ping.controller';
import { IncidentsController } from './incidents/incidents.controller';
import { InvitationAcceptController } from './invitations/invitation-accept.controller';
import { InvitationPageController } from './invitations/invitation-page.controller';
import { TeamInvitationsController } from './invitations/team-invitations.controller';
import { ChannelCheck } from './monitors/channel-check';
import { RegionCheck } from './monitors/region-check';
import { OnDemandCheckLimit } from './checks/on-demand-limit';
import { MonitorOwnership } from './monitors/monitor-ownership';
import { MonitorStatus } from './monitors/monitor-status';
import { NOTIFIER_CLIENT } from './notifier-client';
import { ImportDeferral } from './monitors/import-deferral';
import { MonitorsController } from './monitors/monitors.controller';
import { REGISTRY_CLIENT } from './registry-client';
import { RegionDirectory } from './regions/region-directory';
import { RegionsController } from './regions/regions.controller';
import { TeamsController } from './teams/teams.controller';

export interface GatewayOptions {
  /** In single-process mode: the other apps' checks, so the gateway's ready covers the process. */
  peerReadiness?: ReadinessCheck[];
  /** In single-process mode: the other apps' metrics, merged into `/metrics`. */
  peerTelemetry?: () => MetricsSource[];
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, options: GatewayOptions = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'gateway' }),
        TelemetryModule.forApp({ app: 'gateway', peers: options.peerTelemetry }),
        PassportModule,
        JwtModule.register({}),
        ThrottlerModule.forRoot([{ ttl: 60_000, limit: config.authRateLimitPerMinute }]),
        HealthModule.forApp(
          natsReadiness({ inject: [], checks: () => options.peerReadiness ?? [] }),
        ),
      ],
      controllers: [
        AuthController,
        // Before MonitorsController: `GET /monitors/response-times` is not `GET /monitors/{id}`.
        ResponseTimesController,
        MonitorsController,
        ChecksController,
        ReportsController,
        StatusPagesController,
        PublicStatusController,
        BadgesController,
        DashboardController,
        IncidentsController,
        ChannelsController,
        AlertsController,
        TeamsController,
        ConfigDocumentsController,
        ApiKeysController,
        MaintenanceWindowsController,
        TeamInvitationsController,
        InvitationAcceptController,
        InvitationPageController,
        RegionsController,
        PingController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        PublicStatusPages,
        {
          provide: REGISTRY_CLIENT,
          useFactory: () => BusClient.connect(config.natsUrl, 'gateway-registry-client'),
        },
        {
          provide: METRICS_CLIENT,
          useFactory: () => BusClient.connect(config.natsUrl, 'gateway-metrics-client', 10_000),
        },
        {
          provide: NOTIFIER_CLIENT,
          useFactory: () => BusClient.connect(config.natsUrl, 'gateway-notifier-client', 10_000),
        },
        OnDemandCheck,
        MonitorStatus,
        MonitorOwnership,
        ChannelCheck,
        RegionCheck,
        RegionDirectory,
        OnDemandCheckLimit,
        ImportDeferral,
        ConfigDocumentsService,
        AccessTokens,
        JwtStrategy,
        TeamMemberships,
        ApiKeys,
        AccessGuard,
        HeartbeatPings,
      ],
    };
  }
}
