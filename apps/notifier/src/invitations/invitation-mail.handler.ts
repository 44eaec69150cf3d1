import { Controller, Inject } from '@nestjs/common';
import { Answers, rpcProblem } from '@uptime/bus';
import { NotifierMailSubjects, type ParsedRequest, Problems } from '@uptime/contracts';
import { CHANNEL_PROVIDERS } from '../channels/channels.service';
import { ChannelProviders, DeliveryError, EmailProvider } from '../channels/index';
import { invitationMail } from './invitation-mail';

/**
 * Sends invitation emails through the email channels' SMTP transport (`SMTP_URL`, `MAIL_FROM`):
 * one pool, one configuration. Without SMTP it answers 503 and the inviter passes the link on.
 */
@Controller()
export class InvitationMailHandler {
  constructor(@Inject(CHANNEL_PROVIDERS) private readonly providers: ChannelProviders) {}

  @Answers(NotifierMailSubjects.invitation)
  async send(req: ParsedRequest<typeof NotifierMailSubjects.invitation>): Promise<{ ok: true }> {
    const email = this.providers.get('email');
    if (!(email instanceof EmailProvider)) {
      throw rpcProblem(Problems.unavailable('No SMTP_URL is configured: emails cannot be sent.'));
    }
    try {
      await email.sendMail(invitationMail(req));
    } catch (err) {
      if (err instanceof DeliveryError) throw rpcProblem(Problems.unavailable(err.message));
      throw err;
    }
    return { ok: true };
  }
}
