import {
  DriverException,
  Entity,
  PrimaryKey,
  Property,
  Unique,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { schemaOwnerOptions } from './orm-options';

@Entity({ tableName: 'notes' })
class Note {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Property({ type: 'text' })
  @Unique({ name: 'notes_text_unique' })
  text!: string;
}

const SECRET = 'Bearer s3cr3t-in-a-value';

/** Everything a log could show of an error: its text, its stack and its properties. */
function printed(err: unknown): string {
  return `${String(err)}\n${(err as Error).stack}\n${inspect(err)}`;
}

async function caught(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (err) {
    return err;
  }
  assert.fail('the database accepted it');
}

describe('value-free database errors', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  before(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(
      schemaOwnerOptions(db.url, { schema: 'notes', entities: [Note], migrations: [] }),
    );
    await orm.getSchemaGenerator().createSchema();
    const em = orm.em.fork();
    em.create(Note, { id: 1, text: SECRET });
    await em.flush();
  });
  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  it('should name the violated constraint of a flush, not the row', async () => {
    const em = orm.em.fork();
    em.create(Note, { id: 2, text: SECRET });
    const err = await caught(() => em.flush());
    assert.ok(err instanceof UniqueConstraintViolationException, String(err));
    assert.match(err.message, /SQLSTATE 23505, constraint notes_text_unique/);
    assert.ok(!printed(err).includes('s3cr3t'), printed(err));
  });

  it('should keep the values of a query builder statement out of its error', async () => {
    const em = orm.em.fork();
    const err = await caught(() =>
      em.createQueryBuilder(Note).insert({ id: 3, text: SECRET }).execute(),
    );
    assert.ok(err instanceof DriverException, String(err));
    assert.equal(err.code, '23505');
    assert.ok(!printed(err).includes('s3cr3t'), printed(err));
  });

  it('should keep the values of a raw statement out of its error, PostgreSQL text included', async () => {
    const err = await caught(() => orm.em.getConnection().execute(`select '${SECRET}'::int`));
    assert.ok(err instanceof DriverException, String(err));
    assert.equal(err.code, '22P02');
    assert.ok(!printed(err).includes('s3cr3t'), printed(err));
  });
});
