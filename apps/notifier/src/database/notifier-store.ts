import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AlertRepository } from '../alerts/alert.repository';
import { ChannelEventRepository } from '../channel-events/channel-event.repository';
import { ChannelRepository } from '../channels/channel.repository';
import { IncidentRepository } from '../incidents/incident.repository';
import { MonitorAlertStateRepository } from '../monitors/monitor-alert-state.repository';

/**
 * Every repository of the notifier over one unit of work. Entities loaded through them are
 * tracked together: changes made to them, and what `add` or `remove` staged, are written by
 * `flush`, or by the commit when the unit is a transaction.
 */
export class NotifierRepositories {
  readonly channels: ChannelRepository;
  readonly channelEvents: ChannelEventRepository;
  readonly alerts: AlertRepository;
  readonly incidents: IncidentRepository;
  readonly monitors: MonitorAlertStateRepository;

  constructor(private readonly em: EntityManager) {
    this.channels = new ChannelRepository(em);
    this.channelEvents = new ChannelEventRepository(em);
    this.alerts = new AlertRepository(em);
    this.incidents = new IncidentRepository(em);
    this.monitors = new MonitorAlertStateRepository(em);
  }

  flush(): Promise<void> {
    return this.em.flush();
  }
}

/**
 * The notifier's one way into its database. Several writes span aggregates and must commit
 * together (a result's alert state, incident and alerts; a deleted channel and the fact that it
 * was deleted), so repositories are not injected one by one, each with its own connection to a
 * transaction: a unit of work hands out all of them over the same `EntityManager` fork, and
 * services pass that unit (never an `EntityManager`) to whatever joins their transaction.
 */
@Injectable()
export class NotifierStore {
  constructor(private readonly em: EntityManager) {}

  /** A fresh unit of work, outside any transaction: for reads, or changes saved by `flush`. */
  open(): NotifierRepositories {
    return new NotifierRepositories(this.em.fork());
  }

  /** Runs `work` in one transaction, committed with everything it changed when it resolves. */
  transaction<T>(work: (tx: NotifierRepositories) => Promise<T>): Promise<T> {
    return this.em.fork().transactional((em) => work(new NotifierRepositories(em)));
  }
}
