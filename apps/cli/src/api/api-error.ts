/** One invalid field of a refused request; `line` is the document's line for /config/apply. */
export interface FieldProblem {
  field: string;
  message: string;
  line?: number;
}

/** The platform's problem+json answer, as much of it as the client shows. */
export interface ProblemBody {
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldProblem[];
}

/** The platform refused a request (4xx/5xx); `problem` is its problem+json body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
    /** The document the request sent, which the problem's fields and lines are about. */
    readonly source?: string,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  about(source: string): ApiError {
    return new ApiError(this.status, this.problem, source);
  }
}

/** The platform could not be reached or answered something that is not its API. */
export class ConnectionError extends Error {}

/** Nothing to authenticate with: no API key and no stored login for this URL. */
export class NotLoggedInError extends Error {}

/**
 * A problem as lines for a person: the title and detail, then each invalid field, prefixed with
 * `file:line:` when the field is from a document the user gave.
 */
export function describeProblem(error: ApiError): string[] {
  const { title, detail, errors = [] } = error.problem;
  const { source } = error;
  const head = [title ?? `HTTP ${error.status}`, detail].filter(Boolean).join(': ');
  return [
    head,
    ...errors.map((e) => {
      const where = source ? `${source}${e.line !== undefined ? `:${e.line}` : ''}: ` : '';
      return `  ${where}${e.field ? `${e.field}: ` : ''}${e.message}`;
    }),
  ];
}
