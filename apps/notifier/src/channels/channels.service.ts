import { Inject, Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import {
  type Channel,
  type ChannelCreateInput,
  type ChannelPatchInput,
  type FieldError,
  Problems,
} from '@uptime/contracts';
import { randomUUID } from 'node:crypto';
import { UnitOfWork } from '@uptime/persistence';
import { ChannelEventRelay } from '../channel-events/channel-event-relay';
import { ChannelEventRepository } from '../channel-events/channel-event.repository';
import { ChannelEntity } from './channel.entity';
import { ChannelRepository } from './channel.repository';
import {
  type AnyChannelProvider,
  type ChannelConfig,
  ChannelProviders,
  validateChannelConfig,
} from './index';

export const CHANNEL_PROVIDERS = Symbol('CHANNEL_PROVIDERS');
const MAX_CHANNELS_PER_OWNER = 100;

/** Channel CRUD; secrets are validated and stored, never returned. */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly work: UnitOfWork,
    private readonly channels: ChannelRepository,
    private readonly channelEvents: ChannelEventRepository,
    @Inject(CHANNEL_PROVIDERS) private readonly providers: ChannelProviders,
    private readonly events: ChannelEventRelay,
  ) {}

  async create(ownerId: string, input: ChannelCreateInput): Promise<Channel> {
    const provider = this.providerOf(input.type);
    const config = this.validConfig(provider, input.config);
    if ((await this.channels.countOwned(ownerId)) >= MAX_CHANNELS_PER_OWNER) {
      throw rpcProblem(
        Problems.conflict(`An account may have at most ${MAX_CHANNELS_PER_OWNER} channels.`),
      );
    }
    const channel = new ChannelEntity();
    channel.id = randomUUID();
    channel.ownerId = ownerId;
    channel.name = input.name;
    channel.type = input.type;
    channel.config = config;
    await this.channels.save(channel);
    return this.toChannel(channel);
  }

  async list(ownerId: string): Promise<{ items: Channel[] }> {
    const rows = await this.channels.listOwned(ownerId);
    return { items: rows.map((r) => this.toChannel(r)) };
  }

  async get(ownerId: string, channelId: string): Promise<Channel> {
    return this.toChannel(found(await this.channels.findOwned(ownerId, channelId)));
  }

  async update(ownerId: string, channelId: string, patch: ChannelPatchInput): Promise<Channel> {
    const channel = found(await this.channels.findOwned(ownerId, channelId));
    if (patch.config) {
      const provider = this.providerOf(channel.type);
      unboundSecretsOf(provider, channel.config, patch.config);
      const merged = { ...channel.config, ...patch.config };
      channel.config = this.validConfig(provider, merged);
    }
    if (patch.name !== undefined) channel.name = patch.name;
    channel.updatedAt = new Date();
    await this.channels.save(channel);
    return this.toChannel(channel);
  }

  /**
   * Deletes the channel and records that it was deleted in one transaction; the registry drops
   * it from the owner's monitors when the fact reaches it, even if it is down right now.
   */
  async remove(ownerId: string, channelId: string): Promise<void> {
    await this.work.transaction(async () => {
      const channel = found(await this.channels.lockOwned(ownerId, channelId));
      this.channels.remove(channel);
      this.channelEvents.recordDeleted(channel);
    });
    this.events.kick();
  }

  /**
   * Deletes every channel of a team that is being deleted, each recorded as deleted like a
   * single deletion; a repeated request finds none left.
   */
  async removeAllOwned(ownerId: string): Promise<number> {
    const deleted = await this.work.transaction(async () => {
      const channels = await this.channels.listOwned(ownerId);
      for (const channel of channels) {
        this.channels.remove(channel);
        this.channelEvents.recordDeleted(channel);
      }
      return channels.length;
    });
    if (deleted) this.events.kick();
    return deleted;
  }

  /** Runs `fn` on the caller's channel in a transaction (e.g. to queue a test alert). */
  async withChannel<T>(
    ownerId: string,
    channelId: string,
    fn: (channel: ChannelEntity) => T,
  ): Promise<T> {
    return this.work.transaction(async () =>
      fn(found(await this.channels.findOwned(ownerId, channelId))),
    );
  }

  private providerOf(type: string): AnyChannelProvider {
    const provider = this.providers.get(type);
    if (provider) return provider;
    const why =
      type === 'email'
        ? 'email is not configured here (set SMTP_URL and MAIL_FROM)'
        : `unknown type ${type}`;
    throw rpcProblem(Problems.validation([{ field: 'type', message: why }]));
  }

  private validConfig(provider: AnyChannelProvider, config: unknown): ChannelConfig {
    const validated = validateChannelConfig(provider, config);
    if (!validated.ok) throw rpcProblem(Problems.validation(validated.errors as FieldError[]));
    return validated.value;
  }

  private toChannel(row: ChannelEntity): Channel {
    const provider = this.providers.get(row.type);
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      config: provider ? (provider.redact(row.config) as Record<string, unknown>) : {},
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

/**
 * Refuses a patch that moves a stored secret to a new destination (an access token to another
 * server) without giving the secret again: whoever may change a channel must not be able to send
 * a credential they were never shown to a server of their choosing.
 */
function unboundSecretsOf(
  provider: AnyChannelProvider,
  stored: ChannelConfig,
  patch: ChannelConfig,
): void {
  const errors: FieldError[] = [];
  for (const [secret, field] of Object.entries(provider.secretBoundTo ?? {})) {
    if (typeof field !== 'string' || stored[secret] === undefined || secret in patch) continue;
    if (!(field in patch) || sameValue(patch[field], stored[field])) continue;
    errors.push({
      field: `config.${secret}`,
      message: `must be given again when ${field} changes`,
    });
  }
  if (errors.length) throw rpcProblem(Problems.validation(errors));
}

function sameValue(a: unknown, b: unknown): boolean {
  const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim().replace(/\/+$/, '') : v);
  return trimmed(a) === trimmed(b);
}

/** The channel, or the 404 every lookup of a missing or another owner's channel answers. */
function found(channel: ChannelEntity | null): ChannelEntity {
  if (!channel) throw rpcProblem(Problems.notFound('The channel'));
  return channel;
}
