import { Inject, Injectable } from '@nestjs/common';
import { NotifierChannelSubjects } from '@uptime/contracts';
import { invalid } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';

/** A monitor may only name channels its owner has: an unknown id is a 400, not a silent no-op. */
@Injectable()
export class ChannelCheck {
  constructor(@Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient) {}

  async assertOwned(ownerId: string, channelIds: readonly string[] | undefined): Promise<void> {
    await this.assertOwnedByEach(ownerId, [channelIds ?? []], () => '');
  }

  /** For several monitors at once (a bulk create): one lookup, errors named `monitors[i].…`. */
  async assertOwnedByEach(
    ownerId: string,
    lists: readonly (readonly string[])[],
    prefix: (i: number) => string = (i) => `monitors[${i}].`,
  ): Promise<void> {
    if (!lists.some((l) => l.length)) return;
    const { items } = await this.notifier.request(NotifierChannelSubjects.list, { ownerId });
    const owned = new Set(items.map((c) => c.id));
    const errors = lists.flatMap((channelIds, m) =>
      channelIds
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => !owned.has(id))
        .map(({ i }) => ({
          field: `${prefix(m)}channelIds[${i}]`,
          message: 'is not one of your channels',
        })),
    );
    if (errors.length) throw invalid(errors);
  }
}
