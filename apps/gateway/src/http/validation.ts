import { type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ProblemError } from '@uptime/bus';
import {
  type FieldError,
  Problems,
  type Validated,
  fieldErrorsOf,
  jsonShapeErrors,
} from '@uptime/contracts';
import { z } from 'zod';

export function invalid(errors: FieldError[]): ProblemError {
  return new ProblemError(Problems.validation(errors));
}

/**
 * Runs on every body, query and route parameter before its own schema: nothing nested deeper than
 * the API needs, no text the database refuses (NUL, unpaired surrogates), each named by field.
 */
export class JsonShapePipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const prefix = metadata.data ? [metadata.data] : [];
    const errors = jsonShapeErrors(value, prefix);
    if (errors.length) throw invalid(errors);
    return value;
  }
}

/** Parses a body, query or parameter against a contract schema; failures name each field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(
    private readonly schema: T,
    private readonly prefix: string[] = [],
  ) {}

  transform(value: unknown): z.output<T> {
    const parsed = this.schema.safeParse(value ?? {}, { reportInput: true });
    if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error, this.prefix));
    return parsed.data;
  }
}

/** Runs one of the contract's validators (which also check fields the client may not set). */
export class ValidatorPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly validate: (body: unknown) => Validated<T>) {}

  transform(value: unknown): T {
    const result = this.validate(value ?? {});
    if (!result.ok) throw invalid(result.errors);
    return result.value;
  }
}

export const IdParam = new ZodPipe(z.uuid({ message: 'must be an id (UUID)' }), ['id']);

/**
 * For a route that takes no query parameters: one sent anyway (a `window` on a badge that has
 * none, a `limit` on a list that is never paged) is refused naming it, never silently ignored.
 */
export const NoQuery = new ZodPipe(z.object({}).strict());
