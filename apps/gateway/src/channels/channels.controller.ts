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
import { Authenticated, CurrentCaller } from '../auth/current-caller';
import type { Caller } from '../auth/jwt.strategy';
import { openApiResponse, openApiSchema } from '../http/openapi';
import { IdParam, ZodPipe } from '../http/validation';
import { NOTIFIER_CLIENT, type NotifierClient } from '../notifier-client';

const CHANNEL_DOC = {
  description: '`config` never contains secrets (webhook `secret`, Slack `webhookUrl`).',
  schema: openApiResponse(ChannelSchema),
};

@ApiTags('channels')
@Authenticated()
@Controller('channels')
export class ChannelsController {
  constructor(@Inject(NOTIFIER_CLIENT) private readonly notifier: NotifierClient) {}

  @Post()
  @ApiOperation({
    summary: 'Create a channel',
    description:
      'config: email `{ to: ["ops@example.com"] }`, webhook `{ url, secret }` (signed with X-Signature-256 = sha256=HMAC(secret, `<timestamp>.<body>`) and X-Signature-Timestamp), slack `{ webhookUrl }`.',
  })
  @ApiBody({ schema: openApiSchema(ChannelCreateSchema) })
  @ApiOkResponse(CHANNEL_DOC)
  async create(
    @CurrentCaller() caller: Caller,
    @Body(new ZodPipe(ChannelCreateSchema)) body: ChannelCreateInput,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Channel> {
    const channel = await this.notifier.request(NotifierChannelSubjects.create, {
      ownerId: caller.userId,
      body,
    });
    res.status(201).location(`/api/v1/channels/${channel.id}`);
    return channel;
  }

  @Get()
  @ApiOperation({ summary: 'Your alert channels' })
  @ApiOkResponse({ schema: openApiResponse(z.object({ items: z.array(ChannelSchema) })) })
  list(@CurrentCaller() caller: Caller): Promise<{ items: Channel[] }> {
    return this.notifier.request(NotifierChannelSubjects.list, { ownerId: caller.userId });
  }

  @Get(':id')
  @ApiOperation({ summary: 'A channel of yours; its config never shows secrets' })
  @ApiOkResponse(CHANNEL_DOC)
  @ApiNotFoundResponse({ description: 'No channel of yours has this id.' })
  get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string): Promise<Channel> {
    return this.notifier.request(NotifierChannelSubjects.get, {
      ownerId: caller.userId,
      channelId: id,
    });
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Rename a channel or change its config; config merges, so secrets need not be repeated',
  })
  @ApiBody({ schema: openApiSchema(ChannelPatchSchema) })
  @ApiOkResponse(CHANNEL_DOC)
  update(
    @CurrentCaller() caller: Caller,
    @Param('id', IdParam) id: string,
    @Body(new ZodPipe(ChannelPatchSchema)) body: ChannelPatchInput,
  ): Promise<Channel> {
    return this.notifier.request(NotifierChannelSubjects.update, {
      ownerId: caller.userId,
      channelId: id,
      body,
    });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a channel; it is removed from every monitor that listed it',
    description:
      'Answers once the channel is deleted; the monitors that listed it drop it within seconds (also when the registry is briefly unavailable, as soon as it is back), each as a monitor update.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No channel of yours has this id.' })
  async remove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string): Promise<void> {
    await this.notifier.request(NotifierChannelSubjects.delete, {
      ownerId: caller.userId,
      channelId: id,
    });
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test message now; answers the alert with the attempt recorded' })
  @ApiOkResponse({
    description: 'The test alert (kind `test`), with the attempt recorded.',
    schema: openApiResponse(AlertSchema),
  })
  test(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string): Promise<Alert> {
    return this.notifier.request(
      NotifierChannelSubjects.test,
      { ownerId: caller.userId, channelId: id },
      30_000,
    );
  }
}
