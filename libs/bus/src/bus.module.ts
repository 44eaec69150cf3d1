import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { type BusOptions, connectBus, NATS_CONNECTION } from './nats-connection';
import { PayloadBudget } from './payload-budget';

@Injectable()
class BusConnectionCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('Bus');

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.nc.isClosed()) return;
    // Drain lets in-flight publishes and acks finish before the socket closes.
    await this.nc.drain().catch((err: unknown) => this.logger.warn(`drain failed: ${String(err)}`));
  }
}

/** Gives an app one NATS connection for JetStream, KV and health, drained at shutdown, and its payload budget. */
@Global()
@Module({})
export class BusModule {
  static forRoot(options: BusOptions): DynamicModule {
    return {
      module: BusModule,
      providers: [
        { provide: NATS_CONNECTION, useFactory: () => connectBus(options) },
        BusConnectionCloser,
        PayloadBudget,
      ],
      exports: [NATS_CONNECTION, PayloadBudget],
    };
  }
}
