import { MonitorCreateSchema } from '@uptime/contracts';
import { openApiSchema } from '../http/validation';

/** A monitor as returned: the writable fields plus those the server owns. */
export const MONITOR_SCHEMA = {
  allOf: [
    openApiSchema(MonitorCreateSchema),
    {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid', readOnly: true },
        ownerId: { type: 'string', format: 'uuid', readOnly: true },
        status: {
          type: 'string',
          enum: ['pending', 'up', 'degraded', 'down', 'paused'],
          readOnly: true,
        },
        lastCheckedAt: { type: 'string', format: 'date-time', nullable: true, readOnly: true },
        createdAt: { type: 'string', format: 'date-time', readOnly: true },
        updatedAt: { type: 'string', format: 'date-time', readOnly: true },
        version: { type: 'integer', readOnly: true },
      },
    },
  ],
};

export const MONITOR_PAGE_SCHEMA = {
  type: 'object',
  properties: {
    items: { type: 'array', items: MONITOR_SCHEMA },
    nextCursor: { type: 'string', nullable: true },
  },
};
