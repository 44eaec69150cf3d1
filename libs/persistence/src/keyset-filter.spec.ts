import { Entity, MikroORM, PrimaryKey, Property } from '@mikro-orm/postgresql';
import { decodeKeysetCursor, keysetCursorAfter } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { keysetAfter } from './keyset-filter';
import { schemaOwnerOptions } from './orm-options';

@Entity({ tableName: 'keyset_rows' })
class KeysetRow {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}

describe(keysetAfter.name, () => {
  let db: TestDatabase;
  let orm: MikroORM;
  // Three instants, four rows each: pages must cut through rows that share an instant.
  const instants = [0, 1, 2].map((n) => new Date(Date.UTC(2026, 2, 1, 12, 0, n, 123)));
  const rows = instants.flatMap((createdAt) =>
    [0, 1, 2, 3].map(() => ({ id: randomUUID(), createdAt })),
  );

  before(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(
      schemaOwnerOptions(db.url, { schema: 'keyset_test', entities: [KeysetRow], migrations: [] }),
    );
    await orm.schema.createSchema();
    const em = orm.em.fork();
    for (const row of rows) em.persist(em.create(KeysetRow, row));
    await em.flush();
  });
  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  for (const order of ['asc', 'desc'] as const) {
    it(`should page ${order} through rows sharing an instant, each row once, in list order`, async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await orm.em
          .fork()
          .find(KeysetRow, keysetAfter('createdAt', decodeKeysetCursor(cursor), order), {
            orderBy: { createdAt: order, id: order },
            limit: 5,
          });
        seen.push(...page.map((r) => r.id));
        const last = page.at(-1);
        cursor = page.length === 5 && last ? keysetCursorAfter(last.createdAt, last.id) : undefined;
        pages += 1;
      } while (cursor !== undefined);
      const byKey = [...rows].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
      );
      const expected = byKey.map((r) => r.id);
      assert.deepEqual(seen, order === 'asc' ? expected : expected.reverse());
      assert.equal(pages, 3);
    });
  }

  it('should filter nothing without a position', () => {
    assert.deepEqual(keysetAfter('createdAt', undefined, 'asc'), {});
  });
});
