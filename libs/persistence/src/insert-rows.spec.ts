import { Entity, MikroORM, PrimaryKey, Property } from '@mikro-orm/postgresql';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { insertMissingRows, insertRows } from './insert-rows';
import { schemaOwnerOptions } from './orm-options';
import { duplicateKeyConstraint, isDuplicateKey, UnitOfWork } from './unit-of-work';

@Entity({ tableName: 'parcels' })
class Parcel {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'string', length: 20, unique: 'parcels_label_unique' })
  label!: string;

  @Property({ type: 'text', nullable: true })
  note: string | null = null;

  @Property({ type: 'json' })
  contents!: { items: string[]; weight: number };

  @Property({ type: 'json', nullable: true })
  extra: Record<string, unknown> | null = null;

  @Property({ type: 'boolean' })
  fragile = false;

  @Property({ type: 'datetime' })
  sentAt: Date = new Date();
}

function parcel(label: string, fields: Partial<Parcel> = {}): Parcel {
  return Object.assign(new Parcel(), { label, contents: { items: [label], weight: 1 } }, fields);
}

describe('insertRows', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let work: UnitOfWork;
  const stored = () => orm.em.fork().find(Parcel, {}, { orderBy: { seq: 'asc' } });

  before(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(
      schemaOwnerOptions(db.url, { schema: 'insert_rows', entities: [Parcel], migrations: [] }),
    );
    await orm.schema.createSchema();
    work = new UnitOfWork(orm);
  });
  beforeEach(async () => {
    await orm.em.fork().nativeDelete(Parcel, {});
  });
  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  it('should store every row as the unit of work would: JSON, nulls, quotes, dates and the column default of an unset key', async () => {
    const sentAt = new Date('2026-12-02T11:22:33.456Z');
    const awkward = `it's "quoted" \\ back\\slashed, 'twice'' and ?? unicode é ✓ \u0001`;
    await insertRows(orm.em.fork(), Parcel, [
      parcel('first', { note: awkward, extra: { nested: { list: [1, null, 'x'] } }, sentAt }),
      parcel('second', { fragile: true }),
    ]);
    const rows = await stored();
    assert.equal(rows.length, 2);
    const [first, second] = rows;
    assert.ok(Number(second!.seq) > Number(first!.seq), 'seq from its sequence, in row order');
    assert.equal(first!.note, awkward);
    assert.deepEqual(first!.contents, { items: ['first'], weight: 1 });
    assert.deepEqual(first!.extra, { nested: { list: [1, null, 'x'] } });
    assert.equal(first!.sentAt.toISOString(), sentAt.toISOString());
    assert.equal(first!.fragile, false);
    assert.equal(second!.note, null);
    assert.equal(second!.extra, null);
    assert.equal(second!.fragile, true);
  });

  it('should insert nothing for no rows', async () => {
    await insertRows(orm.em.fork(), Parcel, []);
    assert.deepEqual(await stored(), []);
  });

  it('should join the transaction it runs in: a later failure rolls the rows back, and a repeated key is a duplicate key without its values', async () => {
    await insertRows(orm.em.fork(), Parcel, [parcel('taken')]);
    const err = await work
      .withOwnIdentityMap(() =>
        work.transaction(async () => {
          await insertRows(orm.em, Parcel, [parcel('new one')]);
          await insertRows(orm.em, Parcel, [parcel('another'), parcel('taken')]);
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(isDuplicateKey(err), String(err));
    assert.equal(duplicateKeyConstraint(err), 'parcels_label_unique');
    assert.doesNotMatch(String(err), /taken|another/);
    assert.deepEqual(
      (await stored()).map((p) => p.label),
      ['taken'],
    );
  });

  it('should insert only the rows whose key is not stored yet, leave the stored ones as they are, and answer the keys it inserted', async () => {
    await insertRows(orm.em.fork(), Parcel, [parcel('kept', { note: 'as it was' })]);
    const inserted = await insertMissingRows(
      orm.em.fork(),
      Parcel,
      [parcel('kept', { note: 'ignored' }), parcel('new', { note: 'inserted' })],
      'label',
    );
    assert.deepEqual([...inserted], ['new']);
    assert.deepEqual(
      (await stored()).map((p) => [p.label, p.note]),
      [
        ['kept', 'as it was'],
        ['new', 'inserted'],
      ],
    );
  });
});
