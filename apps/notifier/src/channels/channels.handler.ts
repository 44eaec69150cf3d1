import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import {
  type Alert,
  type Channel,
  NotifierChannelSubjects,
  type ParsedRequest,
} from '@uptime/contracts';
import { AlertDeliverer } from '../alerts/alert-deliverer';
import { AlertOutbox } from '../alerts/alert-outbox';
import { toAlert } from '../alerts/alert-view';
import { ChannelsService } from './channels.service';

type Owned = ParsedRequest<typeof NotifierChannelSubjects.get>;

/** Channel commands over NATS request/reply; each names its owner. */
@Controller()
export class ChannelsHandler {
  constructor(
    private readonly channels: ChannelsService,
    private readonly outbox: AlertOutbox,
    private readonly deliverer: AlertDeliverer,
  ) {}

  @Answers(NotifierChannelSubjects.create)
  create(req: ParsedRequest<typeof NotifierChannelSubjects.create>): Promise<Channel> {
    return this.channels.create(req.ownerId, req.body);
  }

  @Answers(NotifierChannelSubjects.list)
  list(req: { ownerId: string }): Promise<{ items: Channel[] }> {
    return this.channels.list(req.ownerId);
  }

  @Answers(NotifierChannelSubjects.get)
  get(req: Owned): Promise<Channel> {
    return this.channels.get(req.ownerId, req.channelId);
  }

  @Answers(NotifierChannelSubjects.update)
  update(req: ParsedRequest<typeof NotifierChannelSubjects.update>): Promise<Channel> {
    return this.channels.update(req.ownerId, req.channelId, req.body);
  }

  @Answers(NotifierChannelSubjects.delete)
  async remove(req: Owned): Promise<{ ok: true }> {
    await this.channels.remove(req.ownerId, req.channelId);
    return { ok: true };
  }

  @Answers(NotifierChannelSubjects.deleteOwned)
  async removeAll(req: { ownerId: string }): Promise<{ deleted: number }> {
    return { deleted: await this.channels.removeAllOwned(req.ownerId) };
  }

  /** Sends a test message now and answers with the recorded attempt. */
  @Answers(NotifierChannelSubjects.test)
  async test(req: Owned): Promise<Alert> {
    const alertId = await this.channels.withChannel(
      req.ownerId,
      req.channelId,
      (channel) => this.outbox.queueTest(channel).id,
    );
    return toAlert(await this.deliverer.deliverNow(alertId));
  }
}
