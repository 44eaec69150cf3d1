import { Inject, Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import {
  type FieldError,
  type MonitorSpec,
  parseResolverAddress,
  Problems,
} from '@uptime/contracts';
import { describeRefusal } from '@uptime/target-guard';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';

/** The fields of a monitor that say where its prober connects. */
export type MonitorTarget = Pick<MonitorSpec, 'type' | 'url' | 'dns'>;

/**
 * A monitor whose target is an IP address the probers may not reach (private, loopback or
 * link-local unless allowed, cloud metadata always) is refused when it is saved, naming the
 * field, instead of being stored to fail each check as `blocked_target`. A host name is judged
 * by the prober when it connects: DNS may answer differently by then.
 */
@Injectable()
export class MonitorTargets {
  constructor(@Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig) {}

  /** Refuses (400) the monitor if its target is a refused address; `at` prefixes the field. */
  assertReachable(spec: MonitorTarget, at = ''): void {
    this.assertAllReachable([spec], () => at);
  }

  /**
   * For a change: refuses (400) a new target that is a refused address. A monitor saved before
   * the rules tightened may still be renamed or retuned; its checks stay `blocked_target`.
   */
  assertChangeReachable(current: MonitorTarget, next: MonitorTarget): void {
    const same =
      current.type === next.type &&
      current.url === next.url &&
      current.dns?.resolver === next.dns?.resolver;
    if (!same) this.assertReachable(next);
  }

  /** Refuses (400) all of them if any target is a refused address, naming each. */
  assertAllReachable(specs: readonly MonitorTarget[], at: (i: number) => string): void {
    const problems = specs.flatMap((spec, i) => this.problemsOf(spec, at(i)));
    if (problems.length > 0) throw rpcProblem(Problems.validation(problems));
  }

  private problemsOf(spec: MonitorTarget, at: string): FieldError[] {
    const targets = this.config.targets;
    if (spec.type === 'http' || spec.type === 'tcp') {
      const refused = targets.refusedLiteral(new URL(spec.url).hostname);
      return refused ? [{ field: `${at}url`, message: refused.message }] : [];
    }
    if (spec.type === 'dns' && spec.dns?.resolver) {
      const host = parseResolverAddress(spec.dns.resolver)?.host;
      const reason = host === undefined ? null : targets.refusal(host);
      if (host === undefined || reason === null) return [];
      const message = `the resolver ${describeRefusal(host, host, reason)}`;
      return [{ field: `${at}dns.resolver`, message }];
    }
    return [];
  }
}
