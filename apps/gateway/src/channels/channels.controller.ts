import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  type Alert,
  AlertSchema,
  type Channel,
  ChannelCreateSchema,
  ChannelSchema,
  type ChannelCreateInput,
  type ChannelPatchInput,
  ChannelPatchSchema,
  NotifierChannelSubjects,
} from '@uptime/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { Allow, Authenticated } from '../access/access-rule';
import { CurrentScope } from '../access/current-scope';
import type { TeamScope } from '../access/caller';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';

const CHANNEL_DOC = {
  description:
    '`config` never contains secrets (webhook `secret`; Slack, Teams and Discord `webhookUrl`; PagerDuty `routingKey`; Opsgenie `apiKey`; Telegram `botToken`; ntfy `accessToken`): they are absent.',
  schema: openApiResponse(ChannelSchema),
};

@ApiTags('channels')
@Authenticated()
@Controller('channels')
export class ChannelsController {
  constructor(@Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient) {}

  @Allow('admin')
  @Post()
  @ApiOperation({
    summary: 'Create a channel',
    description: [
      'config by type (secrets are write-only, marked *):',
      'email `{ to: ["ops@example.com"] }`;',
      'webhook `{ url, secret* }` (signed with X-Signature-256 = sha256=HMAC(secret, `<timestamp>.<body>`) and X-Signature-Timestamp);',
      'slack `{ webhookUrl* }`;',
      'pagerduty `{ routingKey*, severity? }` (Events API v2 integration key; severity `critical` default, `error`, `warning`, `info`; the incident id is the dedup key, so the recovery resolves the page);',
      'opsgenie `{ apiKey*, region?, priority? }` (region `us` default or `eu`; priority `P1` default … `P5`; alias = the incident id, closed on recovery);',
      'msteams `{ webhookUrl* }` (a Teams workflow webhook; posts an Adaptive Card);',
      'discord `{ webhookUrl* }` (`https://discord.com/api/webhooks/<id>/<token>`);',
      'telegram `{ botToken*, chatId }` (numeric chat id or `@channelusername`);',
      'ntfy `{ serverUrl?, topic, accessToken*?, priority? }` (server `https://ntfy.sh` default; priority 1–5 of outages, default 4; changing `serverUrl` needs `accessToken` again).',
      'PagerDuty, Opsgenie and Telegram go to their public APIs, which a channel cannot change; the other URLs pass the target guard.',
    ].join(' '),
  })
  @ApiBody({ schema: openApiSchema(ChannelCreateSchema) })
  @ApiOkResponse(CHANNEL_DOC)
  async create(
    @CurrentScope() scope: TeamScope,
    @Body(new ZodPipe(ChannelCreateSchema)) body: ChannelCreateInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Channel> {
    const channel = await this.notifier.request(NotifierChannelSubjects.create, {
      ownerId: scope.teamId,
      body,
    });
    res.status(201).location(`/api/v1/channels/${channel.id}`);
    return channel;
  }

  @Allow('viewer')
  @Get()
  @ApiOperation({ summary: 'Your alert channels' })
  @ApiOkResponse({ schema: openApiResponse(z.object({ items: z.array(ChannelSchema) })) })
  list(@CurrentScope() scope: TeamScope): Promise<{ items: Channel[] }> {
    return this.notifier.request(NotifierChannelSubjects.list, { ownerId: scope.teamId });
  }

  @Allow('viewer')
  @Get(':id')
  @ApiOperation({ summary: 'A channel of yours; its config never shows secrets' })
  @ApiOkResponse(CHANNEL_DOC)
  @ApiNotFoundResponse({ description: 'No channel of yours has this id.' })
  get(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<Channel> {
    return this.notifier.request(NotifierChannelSubjects.get, {
      ownerId: scope.teamId,
      channelId: id,
    });
  }

  @Allow('admin')
  @Patch(':id')
  @ApiOperation({
    summary:
      'Rename a channel or change its config; config merges, so secrets need not be repeated',
  })
  @ApiBody({ schema: openApiSchema(ChannelPatchSchema) })
  @ApiOkResponse(CHANNEL_DOC)
  update(
    @CurrentScope() scope: TeamScope,
    @Param('id', IdParam) id: string,
    @Body(new ZodPipe(ChannelPatchSchema)) body: ChannelPatchInput,
  ): Promise<Channel> {
    return this.notifier.request(NotifierChannelSubjects.update, {
      ownerId: scope.teamId,
      channelId: id,
      body,
    });
  }

  @Allow('admin')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a channel; it is removed from every monitor that listed it',
    description:
      'Answers once the channel is deleted; the monitors that listed it drop it within seconds (also when the registry is briefly unavailable, as soon as it is back), each as a monitor update.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No channel of yours has this id.' })
  async remove(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<void> {
    await this.notifier.request(NotifierChannelSubjects.delete, {
      ownerId: scope.teamId,
      channelId: id,
    });
  }

  @Allow('admin')
  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test message now; answers the alert with the attempt recorded' })
  @ApiOkResponse({
    description: 'The test alert (kind `test`), with the attempt recorded.',
    schema: openApiResponse(AlertSchema),
  })
  test(@CurrentScope() scope: TeamScope, @Param('id', IdParam) id: string): Promise<Alert> {
    return this.notifier.request(
      NotifierChannelSubjects.test,
      { ownerId: scope.teamId, channelId: id },
      30_000,
    );
  }
}
