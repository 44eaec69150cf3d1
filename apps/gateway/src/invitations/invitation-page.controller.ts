import { Controller, Get, Header, Inject, Param, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ProblemError } from '@uptime/bus';
import { InvitationTokenSchema, RegistryInvitationSubjects } from '@uptime/contracts';
import type { Response } from 'express';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { REGISTRY_CLIENT, type RegistryClient } from '../registry-client';
import { invitationPage, unknownInvitationPage } from './invitation-page';

/**
 * `<PUBLIC_URL>/invitations/{token}`, outside /api/v1: the page the invitation email links to.
 * Rate-limited like login, as each request tries a token.
 */
@ApiExcludeController()
@Controller('invitations')
export class InvitationPageController {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get(':token')
  @UseGuards(ThrottlerGuard)
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async page(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const preview = InvitationTokenSchema.safeParse(token).success
      ? await this.registry
          .request(RegistryInvitationSubjects.peek, { token })
          .catch((err: unknown) => {
            if (err instanceof ProblemError && err.problem.status === 404) return null;
            throw err;
          })
      : null;
    if (!preview) {
      res.status(404).send(unknownInvitationPage());
      return;
    }
    res.send(invitationPage(preview, token, this.config.publicUrl));
  }
}
