import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContractPipe } from '@uptime/bus';
import {
  type Alert,
  type Channel,
  CreateChannelRequestSchema,
  ListChannelsRequestSchema,
  NotifierChannelSubjects,
  OwnedChannelRequestSchema,
  UpdateChannelRequestSchema,
} from '@uptime/contracts';
import type { z } from 'zod';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { AlertOutbox } from '../alerts/alert-outbox';
import { toAlert } from '../alerts/alert-view';
import { ChannelsService } from './channels.service';

type Owned = z.output<typeof OwnedChannelRequestSchema>;

/** Channel commands over NATS request/reply; each names its owner. */
@Controller()
export class ChannelsHandler {
  constructor(
    private readonly channels: ChannelsService,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
  ) {}

  @MessagePattern(NotifierChannelSubjects.create)
  create(
    @Payload(new ContractPipe(CreateChannelRequestSchema))
    req: z.output<typeof CreateChannelRequestSchema>,
  ): Promise<Channel> {
    return this.channels.create(req.ownerId, req.body);
  }

  @MessagePattern(NotifierChannelSubjects.list)
  list(
    @Payload(new ContractPipe(ListChannelsRequestSchema)) req: { ownerId: string },
  ): Promise<{ items: Channel[] }> {
    return this.channels.list(req.ownerId);
  }

  @MessagePattern(NotifierChannelSubjects.get)
  get(@Payload(new ContractPipe(OwnedChannelRequestSchema)) req: Owned): Promise<Channel> {
    return this.channels.get(req.ownerId, req.channelId);
  }

  @MessagePattern(NotifierChannelSubjects.update)
  update(
    @Payload(new ContractPipe(UpdateChannelRequestSchema))
    req: z.output<typeof UpdateChannelRequestSchema>,
  ): Promise<Channel> {
    return this.channels.update(req.ownerId, req.channelId, req.body);
  }

  @MessagePattern(NotifierChannelSubjects.delete)
  async remove(
    @Payload(new ContractPipe(OwnedChannelRequestSchema)) req: Owned,
  ): Promise<{ ok: true }> {
    await this.channels.remove(req.ownerId, req.channelId);
    return { ok: true };
  }

  /** Sends a test message now and answers with the recorded attempt. */
  @MessagePattern(NotifierChannelSubjects.test)
  async test(@Payload(new ContractPipe(OwnedChannelRequestSchema)) req: Owned): Promise<Alert> {
    const alertId = await this.channels.withChannel(
      req.ownerId,
      req.channelId,
      (tx, channel) => this.outbox.queueTest(tx, channel).id,
    );
    return toAlert(await this.deliverer.deliverNow(alertId));
  }
}
