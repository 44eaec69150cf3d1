import { type ErrorKind, type ProbeSpec, statusMatches } from '@uptime/contracts';
import { assertionFailure } from './json-path';

/** The first rule a response broke, as it will appear on the check result. */
export interface RuleFailure {
  kind: ErrorKind;
  message: string;
}

/** A final response as the rules see it: the body is only its first `maxBodyBytes`. */
export interface JudgedResponse {
  status: number;
  body: Buffer;
  sizeBytes: number;
}

type BodyRules = Pick<ProbeSpec, 'expectedStatus' | 'keyword' | 'assertions'>;

/** Applies the monitor's rules in the order a reader would look: status, keyword, assertions. */
export function firstRuleFailure(rules: BodyRules, response: JudgedResponse): RuleFailure | null {
  return (
    statusFailure(rules.expectedStatus, response.status) ??
    keywordFailure(rules.keyword, response) ??
    assertionsFailure(rules.assertions, response)
  );
}

function statusFailure(expected: readonly string[], status: number): RuleFailure | null {
  if (statusMatches(expected, status)) return null;
  return {
    kind: 'http_status',
    message: `status ${status} does not match expected ${expected.join(', ')}`,
  };
}

/**
 * Only the kept part of a large body is searched, so an `absent` keyword past the limit goes
 * unseen; the message says how much was searched when the body was cut.
 */
function keywordFailure(
  keyword: BodyRules['keyword'],
  response: JudgedResponse,
): RuleFailure | null {
  if (!keyword) return null;
  const found = response.body.toString('utf8').includes(keyword.value);
  const cut = isCut(response) ? ` (searched the first ${response.body.length} bytes)` : '';
  if (keyword.mode === 'present' && !found) {
    return { kind: 'keyword', message: `keyword "${keyword.value}" not found in the body${cut}` };
  }
  if (keyword.mode === 'absent' && found) {
    return {
      kind: 'keyword',
      message: `keyword "${keyword.value}" found in the body but must be absent`,
    };
  }
  return null;
}

function assertionsFailure(
  assertions: BodyRules['assertions'],
  response: JudgedResponse,
): RuleFailure | null {
  if (assertions.length === 0) return null;
  if (isCut(response)) {
    return {
      kind: 'assertion',
      message: `body is larger than ${response.body.length} bytes; assertions not evaluated`,
    };
  }
  const document = parseJson(response.body);
  if (document === NOT_JSON) return { kind: 'assertion', message: 'body is not JSON' };
  const failures = assertions
    .map((a) => assertionFailure(document, a))
    .filter((f): f is string => f !== null);
  if (failures.length === 0) return null;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return { kind: 'assertion', message: `assertion ${failures[0]}${more}` };
}

function isCut(response: JudgedResponse): boolean {
  return response.sizeBytes > response.body.length;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}
