import {
  type CheckAssertion,
  type ErrorKind,
  type ProbeSpec,
  statusMatches,
} from '@uptime/contracts';
import { boundedValue } from './bounded-value';
import { assertionFailure, judgeJsonPath } from './json-path';

/** The first rule a response broke, as it will appear on the check result. */
export interface RuleFailure {
  kind: ErrorKind;
  message: string;
  /** The structured form of a connection failure (rules report theirs in `Judgement`). */
  assertions?: CheckAssertion[];
}

/** A final response as the rules see it: the body is only its first `maxBodyBytes`. */
export interface JudgedResponse {
  status: number;
  body: Buffer;
  sizeBytes: number;
}

/** Every configured rule's assertion, and the first one broken as the result's error. */
export interface Judgement {
  failure: RuleFailure | null;
  assertions: CheckAssertion[];
}

type BodyRules = Pick<ProbeSpec, 'expectedStatus' | 'keyword' | 'assertions'>;

/**
 * Applies the monitor's rules in the order a reader would look: status, keyword, assertions.
 * Every configured rule is evaluated and listed, so a result shows all that broke; the error
 * kind and message name the first.
 */
export function judgeResponse(rules: BodyRules, response: JudgedResponse): Judgement {
  const judged = [
    judgeStatus(rules.expectedStatus, response.status),
    judgeKeyword(rules.keyword, response),
    judgeAssertions(rules.assertions, response),
  ];
  return {
    failure: judged.find((j) => j.failure !== null)?.failure ?? null,
    assertions: judged.flatMap((j) => j.assertions),
  };
}

function judgeStatus(expected: readonly string[], status: number): Judgement {
  const passed = statusMatches(expected, status);
  const assertion: CheckAssertion = { type: 'status', expected, actual: status, passed };
  if (passed) return { failure: null, assertions: [assertion] };
  return {
    failure: {
      kind: 'http_status',
      message: `status ${status} does not match expected ${expected.join(', ')}`,
    },
    assertions: [assertion],
  };
}

/**
 * Only the kept part of a large body is searched, so an `absent` keyword past the limit goes
 * unseen; the message says how much was searched when the body was cut.
 */
function judgeKeyword(keyword: BodyRules['keyword'], response: JudgedResponse): Judgement {
  if (!keyword) return { failure: null, assertions: [] };
  const found = response.body.toString('utf8').includes(keyword.value);
  const passed = keyword.mode === 'present' ? found : !found;
  const assertion: CheckAssertion = {
    type: 'keyword',
    target: keyword.mode,
    expected: boundedValue(keyword.value),
    actual: found ? 'found' : 'not found',
    passed,
  };
  if (passed) return { failure: null, assertions: [assertion] };
  const cut = isCut(response) ? ` (searched the first ${response.body.length} bytes)` : '';
  const message = found
    ? `keyword "${keyword.value}" found in the body but must be absent`
    : `keyword "${keyword.value}" not found in the body${cut}`;
  return { failure: { kind: 'keyword', message }, assertions: [assertion] };
}

/**
 * One `json_path` assertion per rule, expected `{ operator, value }`. A body that was cut or is
 * not JSON fails them all without an `actual`, as does a path that is missing.
 */
function judgeAssertions(rules: BodyRules['assertions'], response: JudgedResponse): Judgement {
  if (rules.length === 0) return { failure: null, assertions: [] };
  const unread = (): CheckAssertion[] => rules.map((rule) => jsonPathAssertion(rule, false));
  if (isCut(response)) {
    const message = `body is larger than ${response.body.length} bytes; assertions not evaluated`;
    return { failure: { kind: 'assertion', message }, assertions: unread() };
  }
  const document = parseJson(response.body);
  if (document === NOT_JSON) {
    return { failure: { kind: 'assertion', message: 'body is not JSON' }, assertions: unread() };
  }
  const assertions = rules.map((rule) => {
    const verdict = judgeJsonPath(document, rule);
    const actual = verdict?.actual.found ? { value: verdict.actual.value } : undefined;
    return jsonPathAssertion(rule, verdict?.passed ?? false, actual);
  });
  // Only the failed rules are put into words, which walks their paths a second time.
  const failures = rules
    .filter((_, i) => !assertions[i]!.passed)
    .map((rule) => assertionFailure(document, rule))
    .filter((f): f is string => f !== null);
  if (failures.length === 0) return { failure: null, assertions };
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return { failure: { kind: 'assertion', message: `assertion ${failures[0]}${more}` }, assertions };
}

function jsonPathAssertion(
  rule: BodyRules['assertions'][number],
  passed: boolean,
  actual?: { value: unknown },
): CheckAssertion {
  const assertion: CheckAssertion = {
    type: 'json_path',
    target: rule.path,
    expected:
      rule.value === undefined
        ? { operator: rule.operator }
        : { operator: rule.operator, value: boundedValue(rule.value) },
    passed,
  };
  if (actual) assertion.actual = boundedValue(actual.value);
  return assertion;
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
