import {
  type Configuration,
  type Dictionary,
  DriverException,
  type LogContext,
} from '@mikro-orm/core';
import {
  AbstractSqlDriver,
  PostgreSqlConnection,
  PostgreSqlExceptionConverter,
  PostgreSqlPlatform,
} from '@mikro-orm/postgresql';

/**
 * What PostgreSQL and the driver attach to an error that can quote stored values: knex prefixes the
 * message with the statement, values inlined (a monitor's `Authorization` header included), and
 * `detail` repeats a violating key.
 */
const VALUE_BEARING = ['detail', 'hint', 'where', 'internalQuery', 'sqlMessage', 'errmsg'];

/**
 * Rewrites a converted database error so that whatever logs it sees only its kind, its SQL state
 * and the constraint it broke: never the statement or the values.
 */
export function withoutValues(err: DriverException): DriverException {
  const record = err as DriverException & Dictionary;
  const constraint =
    typeof record.constraint === 'string' ? `, constraint ${record.constraint}` : '';
  const message = `the database refused the statement (SQLSTATE ${err.code ?? 'unknown'}${constraint})`;
  const frames = (err.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '));
  for (const key of VALUE_BEARING) delete record[key];
  err.message = message;
  err.stack = [`${err.name}: ${message}`, ...frames].join('\n');
  return err;
}

class ValueFreeExceptionConverter extends PostgreSqlExceptionConverter {
  override convertException(exception: Error & Dictionary): DriverException {
    return withoutValues(super.convertException(exception));
  }
}

class ValueFreePlatform extends PostgreSqlPlatform {
  protected override readonly exceptionConverter = new ValueFreeExceptionConverter();
}

/**
 * Raw statements and query builders run here without the driver's conversion, so their errors
 * would still quote the statement: convert them too.
 */
class ValueFreeConnection extends PostgreSqlConnection {
  protected override async executeQuery<T>(
    query: string,
    cb: () => Promise<T>,
    context?: LogContext,
  ): Promise<T> {
    try {
      return await super.executeQuery(query, cb, context);
    } catch (err) {
      if (err instanceof DriverException) throw withoutValues(err);
      if (!isDatabaseError(err)) throw err;
      throw this.platform.getExceptionConverter().convertException(err);
    }
  }
}

/** An error PostgreSQL answered (as opposed to a refused connection or a bug in the caller). */
function isDatabaseError(err: unknown): err is Error & Dictionary {
  return err instanceof Error && typeof (err as Dictionary).severity === 'string';
}

/**
 * PostgreSQL's driver (built as @mikro-orm/postgresql builds its own) with value-free errors.
 * Named `PostgreSqlDriver` on purpose: @mikro-orm/nestjs picks the driver package, and with it the
 * injectable `MikroORM` and `EntityManager`, by the driver class's name.
 */
export const { PostgreSqlDriver: ValueFreePostgreSqlDriver } = {
  PostgreSqlDriver: class extends AbstractSqlDriver<PostgreSqlConnection, PostgreSqlPlatform> {
    constructor(config: Configuration) {
      super(config, new ValueFreePlatform(), ValueFreeConnection, ['knex', 'pg']);
    }
  },
};
