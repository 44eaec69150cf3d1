import { envFields } from '@uptime/config';
import { z } from 'zod';
import { TargetPolicy, cidrProblem } from './target-policy';

const cidrText = z.string().superRefine((text, ctx) => {
  const problem = cidrProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * The variables that decide which addresses a service's outbound requests may reach; the prober
 * and the notifier both read them, under the same names, so one setting covers probes and
 * channels alike.
 */
export const targetEnvFields = {
  PROBE_ALLOW_PRIVATE: envFields.boolean(false),
  PROBE_ALLOWED_CIDRS: envFields.commaList(cidrText).default([]),
};

export function targetPolicyFromEnv(env: {
  PROBE_ALLOW_PRIVATE: boolean;
  PROBE_ALLOWED_CIDRS: readonly string[];
}): TargetPolicy {
  return new TargetPolicy({
    allowPrivate: env.PROBE_ALLOW_PRIVATE,
    allowedCidrs: env.PROBE_ALLOWED_CIDRS,
  });
}
