import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { BusClient, BusModule, natsReadiness, STREAM_SIZES } from '@uptime/bus';
import { HealthModule, RateLimitedLog, TELEMETRY, TelemetryModule } from '@uptime/health';
import { BlockedTargetLog } from '@uptime/target-guard';
import {
  postgresReadiness,
  RequestContextInterceptor,
  SchemaMigrator,
  UnitOfWork,
} from '@uptime/persistence';
import type { Registry } from 'prom-client';
import { NOTIFIER_CONFIG, type NotifierConfig } from './config';
import { notifierOrmOptions } from './database/mikro-orm.config';
import { ALERT_RETRY_POLICY, AlertDeliverer } from './alerts/alert-deliverer';
import { AlertFilterScope } from './alerts/alert-filter-scope';
import { AlertOutbox } from './alerts/alert-outbox';
import { AlertRepository } from './alerts/alert.repository';
import { AlertsHandler } from './alerts/alerts.handler';
import { ChannelEventRelay } from './channel-events/channel-event-relay';
import { ChannelEventRepository } from './channel-events/channel-event.repository';
import { DanglingChannels } from './channel-events/dangling-channels';
import { ChannelRepository } from './channels/channel.repository';
import { ChannelsHandler } from './channels/channels.handler';
import { CHANNEL_PROVIDERS, ChannelsService } from './channels/channels.service';
import { createChannelProviders } from './channels/index';
import { InvitationMailHandler } from './invitations/invitation-mail.handler';
import { IncidentRecorder } from './incidents/incident-recorder';
import { IncidentRepository } from './incidents/incident.repository';
import { IncidentsHandler } from './incidents/incidents.handler';
import { ReminderClock } from './incidents/reminder-clock';
import { SlotClock } from './incidents/slot-clock';
import { RegionIncidentRepository } from './incidents/region-incident.repository';
import { RegionWatch } from './incidents/region-watch';
import { ResultConsumer } from './incidents/result-consumer';
import { MonitorAlertStateRepository } from './monitors/monitor-alert-state.repository';
import { MonitorEventFollower } from './monitors/monitor-event-follower';
import { MonitorProjection, REGISTRY_CLIENT } from './monitors/monitor-projection';

/**
 * Owns channels, incidents, the delivery log and its projection of monitors in its own
 * PostgreSQL schema. It turns check results into incidents and sends their alerts.
 */
@Module({})
export class NotifierModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    return {
      module: NotifierModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'notifier' }),
        TelemetryModule.forApp({ app: 'notifier' }),
        MikroOrmModule.forRoot({
          ...notifierOrmOptions(config.databaseUrl),
          registerRequestContext: false,
        }),
        HealthModule.forApp(
          natsReadiness({
            inject: [MikroORM],
            checks: (orm: MikroORM) => [postgresReadiness(orm)],
          }),
        ),
      ],
      controllers: [IncidentsHandler, ChannelsHandler, AlertsHandler, InvitationMailHandler],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: STREAM_SIZES, useValue: config.streamSizes ?? {} },
        {
          provide: REGISTRY_CLIENT,
          useFactory: () => BusClient.connect(config.natsUrl, 'notifier-registry-client'),
        },
        {
          provide: CHANNEL_PROVIDERS,
          inject: [TELEMETRY],
          useFactory: (registry: Registry) =>
            createChannelProviders({
              smtpUrl: config.smtpUrl,
              mailFrom: config.mailFrom,
              targets: config.targets,
              apis: config.channelApis,
              blocked: new BlockedTargetLog({
                registry,
                metricName: 'uptime_notifier_blocked_targets_total',
                log: new RateLimitedLog(new Logger('ChannelDelivery')),
              }),
            }),
        },
        {
          provide: ALERT_RETRY_POLICY,
          useValue: { maxAttempts: config.alertMaxAttempts, baseDelayMs: config.alertRetryBaseMs },
        },
        SchemaMigrator,
        UnitOfWork,
        // Every handled message gets an identity map of its own (see RequestContextInterceptor).
        { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
        ChannelRepository,
        ChannelEventRepository,
        AlertRepository,
        IncidentRepository,
        MonitorAlertStateRepository,
        ChannelEventRelay,
        DanglingChannels,
        ChannelsService,
        AlertOutbox,
        AlertFilterScope,
        AlertDeliverer,
        MonitorProjection,
        IncidentRecorder,
        ResultConsumer,
        ReminderClock,
        SlotClock,
        RegionIncidentRepository,
        RegionWatch,
        MonitorEventFollower,
      ],
    };
  }
}
