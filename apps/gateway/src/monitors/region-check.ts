import { Inject, Injectable } from '@nestjs/common';
import type { FieldError } from '@uptime/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { invalid } from '../http/validation';

/**
 * A monitor may only name regions the platform runs probers for (`REGIONS`): a job for any other
 * region would wait in the work queue for a prober that never comes, and the monitor would look
 * checked while it is not.
 */
@Injectable()
export class RegionCheck {
  private readonly known: ReadonlySet<string>;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.known = new Set(config.defaultRegions);
  }

  assertKnown(regions: readonly string[] | undefined): void {
    this.assertKnownByEach([regions ?? []], () => '');
  }

  /** For several monitors at once (a bulk create): errors named `monitors[k].regions[i]`. */
  assertKnownByEach(
    lists: readonly (readonly string[])[],
    prefix: (k: number) => string = (k) => `monitors[${k}].`,
  ): void {
    const errors = this.unknownRegions(lists, prefix);
    if (errors.length) throw invalid(errors);
  }

  /** The regions of several monitors that are not configured, each named `monitors[k].regions[i]`. */
  unknownRegions(
    lists: readonly (readonly string[])[],
    prefix: (k: number) => string = (k) => `monitors[${k}].`,
  ): FieldError[] {
    return lists.flatMap((regions, k) =>
      regions.flatMap((region, i) =>
        this.known.has(region)
          ? []
          : [
              {
                field: `${prefix(k)}regions[${i}]`,
                message: `is not a configured region (one of: ${[...this.known].join(', ')})`,
              },
            ],
      ),
    );
  }
}
