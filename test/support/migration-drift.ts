import { MikroORM, type Options } from '@mikro-orm/postgresql';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from './test-database';

/** The same two checks for every app that owns a schema: migrations build what entities say, once. */
export function describeMigrations(
  name: string,
  optionsFor: (databaseUrl: string) => Options,
): void {
  describe(name, () => {
    let db: TestDatabase;
    let orm: MikroORM;

    before(async () => {
      db = await createTestDatabase();
      orm = await MikroORM.init(optionsFor(db.url));
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
}
