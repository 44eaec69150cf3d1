import type { ClickHouseClient } from '@clickhouse/client';
import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, natsReadiness } from '@uptime/bus';
import { TelemetryModule, HealthModule, readinessCheck } from '@uptime/health';
import { CheckStore } from './checks/check-store';
import { CheckWriter } from './checks/check-writer';
import { checksDatabaseProvider } from './checks/checks-database.provider';
import { MissedSlotWriter } from './checks/missed-slot-writer';
import { MonitorErasure } from './checks/monitor-erasure';
import { CLICKHOUSE, ClickHouseModule } from './clickhouse/clickhouse.provider';
import { METRICS_CONFIG, type MetricsConfig } from './config';
import { SlotCoverage } from './coverage/slot-coverage';
import { DeletedMonitorCleaner } from './ingest/deleted-monitor-cleaner';
import { MissedSlotIngestor } from './ingest/missed-slot-ingestor';
import { ResultIngestor } from './ingest/result-ingestor';
import { MetricsHandler } from './queries/metrics.handler';

@Module({})
export class MetricsModule {
  static forRoot(config: MetricsConfig): DynamicModule {
    return {
      module: MetricsModule,
      imports: [
        BusModule.forRoot({ natsUrl: config.natsUrl, name: 'metrics' }),
        TelemetryModule.forApp({ app: 'metrics' }),
        ClickHouseModule.forRoot(config.clickhouse),
        HealthModule.forApp(
          natsReadiness({
            inject: [CLICKHOUSE],
            checks: (ch: ClickHouseClient) => [
              readinessCheck('clickhouse', async () => {
                const ping = await ch.ping();
                if (!ping.success) throw ping.error;
              }),
            ],
          }),
        ),
      ],
      controllers: [MetricsHandler],
      providers: [
        { provide: METRICS_CONFIG, useValue: config },
        checksDatabaseProvider,
        CheckStore,
        CheckWriter,
        MonitorErasure,
        ResultIngestor,
        MissedSlotWriter,
        MissedSlotIngestor,
        SlotCoverage,
        DeletedMonitorCleaner,
      ],
    };
  }
}
