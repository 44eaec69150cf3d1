import { MikroORM } from '@mikro-orm/postgresql';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { notifierOrmOptions } from './mikro-orm.config';

describe('notifier migrations', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  before(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(notifierOrmOptions(db.url));
  });
  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  it('should build exactly the schema the entities describe', async () => {
    await orm.getMigrator().up();
    const drift = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    assert.equal(drift.trim(), '', `entities and migrations disagree:\n${drift}`);
  });

  it('should do nothing when applied a second time', async () => {
    assert.deepEqual(await orm.getMigrator().up(), []);
  });
});
