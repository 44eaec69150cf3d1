import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import { type ConfigPlan, type ParsedRequest, RegistrySubjects } from '@uptime/contracts';
import { ConfigApplyService } from './config-apply.service';

/** Monitors as code: a document's monitors, planned or applied as a whole. */
@Controller()
export class ConfigApplyHandler {
  constructor(private readonly config: ConfigApplyService) {}

  @Answers(RegistrySubjects.applyConfig)
  apply(req: ParsedRequest<typeof RegistrySubjects.applyConfig>): Promise<ConfigPlan> {
    return this.config.apply(req);
  }
}
