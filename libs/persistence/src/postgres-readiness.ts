import type { MikroORM } from '@mikro-orm/core';
import { type ReadinessCheck, readinessCheck } from '@uptime/health';

/** Ready while the ORM's database answers a query. */
export function postgresReadiness(orm: MikroORM): ReadinessCheck {
  return readinessCheck('postgres', () => orm.em.getConnection().execute('select 1'));
}
