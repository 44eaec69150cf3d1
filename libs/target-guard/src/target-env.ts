import { documented, envFields } from '@uptime/config';
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
  PROBE_ALLOW_PRIVATE: documented(envFields.boolean(false), {
    description:
      'allow probes and alert channels to private, loopback and link-local addresses: anyone who can register can then make this machine reach its own network. An explicit value always wins. Cloud metadata (`169.254.169.254`, `fd00:ec2::254`, `100.100.100.200`) stays refused',
    default: '`false`; with `npm start` `true` while `HOST` is loopback',
  }),
  PROBE_ALLOWED_CIDRS: documented(envFields.commaList(cidrText).default([]), {
    description:
      'comma-separated private ranges (network addresses, e.g. `10.20.0.0/16,fd00::/8`) probes and channels may reach while `PROBE_ALLOW_PRIVATE` is false; each range is open to every user; passed through by `npm start`',
  }),
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
