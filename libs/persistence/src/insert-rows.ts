import type { EntityClass, EntityProperty } from '@mikro-orm/core';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * Inserts `rows` (objects with the entity's property names, as new entities have them) with one
 * statement and one parameter: the rows as a JSON array, which PostgreSQL spreads into the
 * table's columns (`jsonb_populate_recordset`). For bulk writes: the unit of work tracks, diffs
 * and inlines every value of every entity it flushes (about 1 ms of CPU per monitor in a bulk
 * create), where this costs one `JSON.stringify`. Nothing is tracked afterwards: the rows are not
 * in the identity map. The columns are those of the properties the first row sets (an undefined
 * one, such as an autoincrement key, gets its column default); every row must set the same ones.
 * Runs in the transaction the entity manager is in; a duplicate key is the usual
 * `UniqueConstraintViolationException` (`isDuplicateKey`), without the values (`withoutValues`).
 */
export async function insertRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  rows: readonly T[],
): Promise<void> {
  await insert(em, entity, rows);
}

/**
 * Inserts those of `rows` whose `key` no stored row has yet, as `insertRows` does, and leaves
 * the others as they are (`on conflict do nothing`, so a concurrent insert of the same key is no
 * error either). Returns the keys it inserted: the rows the caller wrote and need not read back.
 */
export async function insertMissingRows<T extends object, K extends keyof T & string>(
  em: EntityManager,
  entity: EntityClass<T>,
  rows: readonly Partial<T>[],
  key: K,
): Promise<Set<T[K]>> {
  return new Set(await insert(em, entity, rows, key));
}

async function insert<T extends object, K extends keyof T & string>(
  em: EntityManager,
  entity: EntityClass<T>,
  rows: readonly Partial<T>[],
  missingBy?: K,
): Promise<T[K][]> {
  const first = rows[0];
  if (first === undefined) return [];
  const meta = em.getMetadata().get<T>(entity.name);
  const columns = meta.props.filter(
    (p: EntityProperty<T>) =>
      p.persist !== false && p.fieldNames?.length === 1 && first[p.name as keyof T] !== undefined,
  );
  const quote = (name: string) => em.getPlatform().quoteIdentifier(name);
  const schema = meta.schema ?? em.config.get('schema');
  const table = schema ? `${quote(schema)}.${quote(meta.tableName)}` : quote(meta.tableName);
  const names = columns.map((p) => quote(p.fieldNames[0]!)).join(', ');
  const keyColumn =
    missingBy && columns.find((p) => (p.name as string) === missingBy)?.fieldNames[0];
  const unlessStored = keyColumn
    ? ` on conflict (${quote(keyColumn)}) do nothing returning ${quote(keyColumn)} as "key"`
    : '';
  // Keyed by column, so PostgreSQL matches them to the table's record type; Dates become ISO
  // strings (`toJSON`), JSON properties nested values.
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const p of columns) record[p.fieldNames[0]!] = row[p.name as keyof T];
    return record;
  });
  // Through knex rather than `em.execute`, which inlines its parameters into the statement: a
  // megabyte of JSON escaped character by character, then copied into the SQL text. Here it goes
  // to PostgreSQL as a parameter ($1).
  const statement = em
    .getKnex()
    .raw<{ rows: { key: T[K] }[] }>(
      `insert into ${table} (${names}) select ${names} from jsonb_populate_recordset(null::${table}, ?::jsonb)${unlessStored}`,
      [JSON.stringify(records)],
    );
  const transaction = em.getTransactionContext<Knex.Transaction>();
  if (transaction) statement.transacting(transaction);
  try {
    return (await statement).rows.map((r) => r.key);
  } catch (err) {
    // As the driver converts its own errors: a duplicate key is its exception, without values.
    throw err instanceof Error ? em.getDriver().convertException(err) : err;
  }
}
