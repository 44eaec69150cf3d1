import { Controller } from '@nestjs/common';
import { Answers } from '@uptime/bus';
import {
  type ApiKey,
  type ApiKeyCreated,
  type ApiKeyIdentity,
  type ParsedRequest,
  RegistryApiKeySubjects,
} from '@uptime/contracts';
import { ApiKeysService } from './api-keys.service';

type Req<S extends (typeof RegistryApiKeySubjects)[keyof typeof RegistryApiKeySubjects]> =
  ParsedRequest<S>;

/** API keys over NATS request/reply. */
@Controller()
export class ApiKeysHandler {
  constructor(private readonly keys: ApiKeysService) {}

  @Answers(RegistryApiKeySubjects.create)
  create(req: Req<typeof RegistryApiKeySubjects.create>): Promise<ApiKeyCreated> {
    return this.keys.create(req.teamId, req.actorRole, req.createdBy, req.body);
  }

  @Answers(RegistryApiKeySubjects.list)
  list(req: Req<typeof RegistryApiKeySubjects.list>): Promise<{ items: ApiKey[] }> {
    return this.keys.list(req.teamId);
  }

  @Answers(RegistryApiKeySubjects.delete)
  async remove(req: Req<typeof RegistryApiKeySubjects.delete>): Promise<{ ok: true }> {
    await this.keys.delete(req.teamId, req.keyId, req.actorRole);
    return { ok: true };
  }

  @Answers(RegistryApiKeySubjects.verify)
  verify(req: Req<typeof RegistryApiKeySubjects.verify>): Promise<ApiKeyIdentity> {
    return this.keys.verify(req.keyHash);
  }

  @Answers(RegistryApiKeySubjects.used)
  async used(req: Req<typeof RegistryApiKeySubjects.used>): Promise<{ ok: true }> {
    await this.keys.used(req.keyId);
    return { ok: true };
  }
}
