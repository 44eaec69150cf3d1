import { Inject, Injectable } from '@nestjs/common';
import { type EscalationStep, type FieldError, NotifierChannelSubjects } from '@uptime/contracts';
import { invalid } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';

/** The channels a monitor (or a patch of one) names: its own, and its escalation steps'. */
export interface ChannelsNamed {
  channelIds?: readonly string[];
  alertPolicy?: { escalation?: readonly EscalationStep[] };
}

/** A monitor may only name channels its owner has: an unknown id is a 400, not a silent no-op. */
@Injectable()
export class ChannelCheck {
  constructor(@Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient) {}

  async assertOwned(ownerId: string, monitor: ChannelsNamed): Promise<void> {
    await this.assertOwnedByEach(ownerId, [monitor], () => '');
  }

  /** For several monitors at once (a bulk create): one lookup, errors named `monitors[i].…`. */
  async assertOwnedByEach(
    ownerId: string,
    monitors: readonly ChannelsNamed[],
    prefix: (i: number) => string = (i) => `monitors[${i}].`,
  ): Promise<void> {
    const named = monitors.map(namedChannels);
    if (!named.some((list) => list.length)) return;
    const { items } = await this.notifier.request(NotifierChannelSubjects.list, { ownerId });
    const owned = new Set(items.map((c) => c.id));
    const errors: FieldError[] = named.flatMap((list, m) =>
      list
        .filter(({ id }) => !owned.has(id))
        .map(({ field }) => ({
          field: `${prefix(m)}${field}`,
          message: 'is not one of your channels',
        })),
    );
    if (errors.length) throw invalid(errors);
  }
}

/** Each channel id the monitor names, with the field that names it. */
function namedChannels(monitor: ChannelsNamed): { id: string; field: string }[] {
  const own = (monitor.channelIds ?? []).map((id, i) => ({ id, field: `channelIds[${i}]` }));
  const steps = (monitor.alertPolicy?.escalation ?? []).flatMap((step, s) =>
    step.channelIds.map((id, i) => ({
      id,
      field: `alertPolicy.escalation[${s}].channelIds[${i}]`,
    })),
  );
  return [...own, ...steps];
}
