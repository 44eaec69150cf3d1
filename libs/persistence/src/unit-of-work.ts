import { MikroORM, RequestContext, UniqueConstraintViolationException } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';

/**
 * Where services draw the lines of their work without touching the ORM: repositories resolve
 * their entity manager from the context these open, so every repository call inside `transaction`
 * joins that transaction, and every call inside `withOwnIdentityMap` shares one identity map that
 * no concurrent message sees.
 */
@Injectable()
export class UnitOfWork {
  constructor(private readonly orm: MikroORM) {}

  /** Runs `work` in one transaction: it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.orm.em.transactional(() => work());
  }

  /**
   * Runs `work` with an identity map of its own, as each handled message gets one (see
   * `RequestContextInterceptor`): for work no message starts, such as a stream consumer's.
   */
  withOwnIdentityMap<T>(work: () => T): T {
    return RequestContext.create(this.orm.em, work);
  }
}

/** Whether `err` is the database refusing a row that would repeat a unique key. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof UniqueConstraintViolationException;
}

/** The name of the unique constraint (or index) a duplicate key broke, to tell which rule it was. */
export function duplicateKeyConstraint(err: unknown): string | undefined {
  if (!isDuplicateKey(err)) return undefined;
  const constraint = (err as { constraint?: unknown }).constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
