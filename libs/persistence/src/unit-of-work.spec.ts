import { Entity, MikroORM, PrimaryKey, Property } from '@mikro-orm/postgresql';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defer, lastValueFrom } from 'rxjs';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { schemaOwnerOptions } from './orm-options';
import { RequestContextInterceptor } from './request-context.interceptor';
import { isDuplicateKey, UnitOfWork } from './unit-of-work';

@Entity({ tableName: 'notes' })
class Note {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id!: number;

  @Property({ type: 'string', unique: 'notes_text_unique' })
  text!: string;
}

describe(UnitOfWork.name, () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let work: UnitOfWork;
  /** What a repository does: it writes through the app's one entity manager, never a fork. */
  const write = async (id: number, text: string) => {
    const note = new Note();
    note.id = id;
    note.text = text;
    orm.em.persist(note);
    await orm.em.flush();
  };
  const stored = async () =>
    (await orm.em.fork().find(Note, {}, { orderBy: { id: 'asc' } })).map((n) => n.text);

  before(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(
      schemaOwnerOptions(db.url, { schema: 'unit_of_work', entities: [Note], migrations: [] }),
    );
    await orm.schema.createSchema();
    work = new UnitOfWork(orm);
  });
  beforeEach(async () => {
    await orm.em.fork().nativeDelete(Note, {});
  });
  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  it('should commit every write inside a transaction together', async () => {
    await work.withOwnIdentityMap(() =>
      work.transaction(async () => {
        await write(1, 'one');
        await write(2, 'two');
      }),
    );
    assert.deepEqual(await stored(), ['one', 'two']);
  });

  it('should roll back the writes already flushed when a later one fails, and say it was a duplicate key', async () => {
    await work.withOwnIdentityMap(() => write(1, 'taken'));
    const err = await work
      .withOwnIdentityMap(() =>
        work.transaction(async () => {
          await write(2, 'flushed first');
          await write(3, 'taken');
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(isDuplicateKey(err), String(err));
    assert.deepEqual(await stored(), ['taken']);
  });

  it('should not call any other error a duplicate key', () => {
    assert.equal(isDuplicateKey(new Error('notes_text_unique')), false);
  });

  describe(RequestContextInterceptor.name, () => {
    const context = {} as ExecutionContext;
    /** A handler as Nest calls it: started when the interceptor subscribes. */
    const handled = <T>(handler: () => Promise<T>): Promise<T> => {
      const next: CallHandler<T> = { handle: () => defer(handler) };
      return lastValueFrom(new RequestContextInterceptor(work).intercept(context, next));
    };

    it('should give two concurrent messages identity maps of their own', async () => {
      await work.withOwnIdentityMap(() => write(1, 'original'));
      let arrived = 0;
      let bothLoaded!: () => void;
      const loaded = new Promise<void>((resolve) => (bothLoaded = resolve));
      const message = (edit: string | undefined) =>
        handled(async () => {
          const note = await orm.em.findOneOrFail(Note, 1);
          if (++arrived === 2) bothLoaded();
          await loaded;
          // The same message loading it again gets the instance it already holds.
          assert.equal(await orm.em.findOneOrFail(Note, 1), note);
          if (edit) note.text = edit;
          return note;
        });
      const [edited, untouched] = await Promise.all([message('edited'), message(undefined)]);
      assert.notEqual(edited, untouched, 'the two messages shared an entity');
      assert.equal(untouched.text, 'original');
    });

    it('should pass on what the handler answers and what it throws', async () => {
      assert.equal(await handled(async () => 42), 42);
      await assert.rejects(
        handled(async () => {
          throw new Error('refused');
        }),
        /refused/,
      );
    });
  });
});
