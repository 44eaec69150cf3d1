import { z } from 'zod';

/** One invalid field, named by its path in the request (`alertPolicy.windowSize`, `expectedStatus[0]`). */
export const FieldErrorSchema = z.object({
  field: z.string(),
  message: z.string(),
  /** Where the field is in a document the client sent as text (a YAML configuration), from 1. */
  line: z.number().int().optional(),
});
export type FieldError = z.output<typeof FieldErrorSchema>;

/**
 * An RFC 9457 problem, as services reply it over the bus and the gateway answers it over HTTP.
 * `type` is a stable, relative URI that names the kind of problem.
 */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  errors: z.array(FieldErrorSchema).optional(),
  /** Where a document the client sent as text could not be read (its syntax), from 1. */
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type Problem = z.output<typeof ProblemSchema>;

export const Problems = {
  validation: (errors: FieldError[], detail = 'The request has invalid fields.'): Problem => ({
    type: '/problems/validation',
    title: 'Invalid request',
    status: 400,
    detail,
    errors,
  }),
  badRequest: (detail: string): Problem => ({
    type: '/problems/bad-request',
    title: 'Bad request',
    status: 400,
    detail,
  }),
  unauthorized: (detail: string): Problem => ({
    type: '/problems/unauthorized',
    title: 'Unauthorized',
    status: 401,
    detail,
  }),
  /** Known caller, not allowed: a role too weak for the action. */
  forbidden: (detail: string): Problem => ({
    type: '/problems/forbidden',
    title: 'Forbidden',
    status: 403,
    detail,
  }),
  notFound: (what: string): Problem => ({
    type: '/problems/not-found',
    title: 'Not found',
    status: 404,
    detail: `${what} was not found.`,
  }),
  conflict: (detail: string): Problem => ({
    type: '/problems/conflict',
    title: 'Conflict',
    status: 409,
    detail,
  }),
  /** A limit of the account that retrying will not lift (e.g. too many monitors): 403. */
  quotaExceeded: (detail: string): Problem => ({
    type: '/problems/quota-exceeded',
    title: 'Quota exceeded',
    status: 403,
    detail,
  }),
  /** `REGISTRATION=invite` and an account exists: people join by invitation only. */
  registrationClosed: (detail: string): Problem => ({
    type: '/problems/registration-closed',
    title: 'Registration closed',
    status: 403,
    detail,
  }),
  /** Too many requests in a period; `Retry-After` says when to come back: 429. */
  tooManyRequests: (detail: string): Problem => ({
    type: '/problems/too-many-requests',
    title: 'Too many requests',
    status: 429,
    detail,
  }),
  unavailable: (detail: string): Problem => ({
    type: '/problems/service-unavailable',
    title: 'Service unavailable',
    status: 503,
    detail,
  }),
};

/** Turns zod issues into field errors named the way a client wrote the field. */
export function fieldErrorsOf(error: z.ZodError, prefix: (string | number)[] = []): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldPath([...path, key]),
        message: 'is not a known field',
      }));
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return [
      { field: fieldPath(path) || '(body)', message: missing ? 'is required' : issue.message },
    ];
  });
}

export function fieldPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${key}` : key;
  }, '');
}

export function isProblem(value: unknown): value is Problem {
  return ProblemSchema.safeParse(value).success;
}
