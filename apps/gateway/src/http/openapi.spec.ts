import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import {
  AlertQuerySchema,
  AlertSchema,
  ChannelCreateSchema,
  ChannelPatchSchema,
  ChannelSchema,
  CHECK_OUTCOMES,
  CheckResultSchema,
  ChecksQuerySchema,
  ConfigApplyQuerySchema,
  ConfigDocumentSchema,
  ConfigPlanSchema,
  CredentialsSchema,
  DeleteAlertsQuerySchema,
  ERROR_KINDS,
  IncidentQuerySchema,
  IncidentSchema,
  LoginSchema,
  MAX_INTERVAL_SECONDS,
  MAX_MONITORS_PER_BULK,
  MIN_INTERVAL_SECONDS,
  MONITOR_STATUSES,
  DNS_RECORD_TYPES,
  MAX_DNS_EXPECTED,
  MaintenanceWindowCreateSchema,
  MaintenanceWindowListQuerySchema,
  MaintenanceWindowPatchSchema,
  MaintenanceWindowSchema,
  MonitorBulkCreateSchema,
  MonitorEntrySchema,
  MonitorCreateSchema,
  MonitorListQuerySchema,
  MonitorPatchSchema,
  MonitorReplySchema,
  MonitorStatsSchema,
  pageSchema,
  RefreshTokenBodySchema,
  ResponseTimeSeriesSchema,
  ResponseTimesBatchQuerySchema,
  ResponseTimesBatchReplySchema,
  ResponseTimesQuerySchema,
  ReportQuerySchema,
  ChecksCsvQuerySchema,
  BadgeUptimeQuerySchema,
  RegionIncidentQuerySchema,
  CoverageQuerySchema,
  StatusPageCreateSchema,
  StatusPagePatchSchema,
  StatsQuerySchema,
  TokenPairSchema,
  UserSchema,
} from '@uptime/contracts';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { z } from 'zod';
import { openApiDocument, setApiPrefix } from '../bootstrap';
import { loadGatewayConfig } from '../config';
import { GatewayModule } from '../gateway.module';

/** Each route's query schema: the one its handler parses the query with. */
const QUERIES: Record<string, z.ZodObject> = {
  'get /monitors': MonitorListQuerySchema,
  'post /config/apply': ConfigApplyQuerySchema,
  'get /monitors/{id}/checks': ChecksQuerySchema,
  'get /monitors/{id}/stats': StatsQuerySchema,
  'get /monitors/{id}/response-times': ResponseTimesQuerySchema,
  'get /monitors/response-times': ResponseTimesBatchQuerySchema,
  'get /monitors/{id}/report': ReportQuerySchema,
  'get /monitors/{id}/checks.csv': ChecksCsvQuerySchema,
  'get /badges/{id}/uptime.svg': BadgeUptimeQuerySchema,
  'get /regions/incidents': RegionIncidentQuerySchema,
  'get /monitors/{id}/coverage': CoverageQuerySchema,
  'get /incidents': IncidentQuerySchema,
  'get /monitors/{id}/incidents': IncidentQuerySchema,
  'get /alerts': AlertQuerySchema,
  'delete /alerts': DeleteAlertsQuerySchema,
  'get /maintenance-windows': MaintenanceWindowListQuerySchema,
};

/** Each route's body schema: the one its handler validates the body with. */
const BODIES: Record<string, z.ZodType> = {
  'post /auth/register': CredentialsSchema,
  'post /auth/login': LoginSchema,
  'post /auth/refresh': RefreshTokenBodySchema,
  'post /auth/logout': RefreshTokenBodySchema,
  'post /monitors': MonitorCreateSchema,
  'post /monitors/bulk': MonitorBulkCreateSchema,
  'patch /monitors/{id}': MonitorPatchSchema,
  'post /channels': ChannelCreateSchema,
  'patch /channels/{id}': ChannelPatchSchema,
  'post /config/apply': ConfigDocumentSchema,
  'post /maintenance-windows': MaintenanceWindowCreateSchema,
  'patch /maintenance-windows/{id}': MaintenanceWindowPatchSchema,
  'post /status-pages': StatusPageCreateSchema,
  'patch /status-pages/{id}': StatusPagePatchSchema,
};

/** Each route's answer, by its success status. */
const ANSWERS: Record<string, [status: string, schema: z.ZodType]> = {
  'post /auth/register': ['201', UserSchema],
  'post /auth/login': ['200', TokenPairSchema],
  'post /auth/refresh': ['200', TokenPairSchema],
  'get /auth/me': ['200', UserSchema],
  'post /monitors': ['201', MonitorReplySchema],
  'get /monitors': ['200', pageSchema(MonitorReplySchema)],
  'get /monitors/{id}': ['200', MonitorEntrySchema],
  'patch /monitors/{id}': ['200', MonitorReplySchema],
  'post /monitors/{id}/pause': ['200', MonitorReplySchema],
  'post /monitors/{id}/resume': ['200', MonitorReplySchema],
  'post /monitors/{id}/check': ['200', CheckResultSchema],
  'get /monitors/{id}/checks': ['200', pageSchema(CheckResultSchema)],
  'get /monitors/{id}/stats': ['200', MonitorStatsSchema],
  'get /monitors/{id}/response-times': ['200', ResponseTimeSeriesSchema],
  'get /monitors/response-times': ['200', ResponseTimesBatchReplySchema],
  'get /incidents': ['200', pageSchema(IncidentSchema)],
  'get /alerts': ['200', pageSchema(AlertSchema)],
  'post /channels': ['200', ChannelSchema],
  'get /channels/{id}': ['200', ChannelSchema],
  'post /channels/{id}/test': ['200', AlertSchema],
  'post /config/apply': ['200', ConfigPlanSchema],
  'post /maintenance-windows': ['201', MaintenanceWindowSchema],
  'get /maintenance-windows/{id}': ['200', MaintenanceWindowSchema],
  'patch /maintenance-windows/{id}': ['200', MaintenanceWindowSchema],
};

type Operation = {
  parameters?: { name: string; in: string; required?: boolean; schema: SchemaObject }[];
  requestBody?: { content: Record<string, { schema: SchemaObject }> };
  responses: Record<string, { content?: Record<string, { schema: SchemaObject }> }>;
};

/** The rules a document must state for a field, read from the zod schema itself. */
interface Rules {
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

/** The schema under optional, nullable, default and (on the client's side) a transform. */
function core(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable)
    return core(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodDefault) return core(schema.removeDefault() as z.ZodType);
  if (schema instanceof z.ZodPipe) return core(schema.in as z.ZodType);
  return schema;
}

function rulesOf(schema: z.ZodType): Rules {
  const inner = core(schema);
  if (inner instanceof z.ZodEnum) return { enum: inner.options };
  if (inner instanceof z.ZodLiteral) return { enum: [...inner.values] };
  if (inner instanceof z.ZodNumber) {
    const rules: Rules = {};
    if (Number.isFinite(inner.minValue) && Math.abs(inner.minValue!) < Number.MAX_SAFE_INTEGER)
      rules.minimum = inner.minValue!;
    if (Number.isFinite(inner.maxValue) && Math.abs(inner.maxValue!) < Number.MAX_SAFE_INTEGER)
      rules.maximum = inner.maxValue!;
    return rules;
  }
  if (inner instanceof z.ZodString) {
    const rules: Rules = {};
    if (inner.minLength !== null && inner.minLength > 0) rules.minLength = inner.minLength;
    if (inner.maxLength !== null) rules.maxLength = inner.maxLength;
    return rules;
  }
  return {};
}

function stated(doc: SchemaObject): Rules {
  const rules: Rules = {};
  if (doc.enum) rules.enum = doc.enum.filter((v) => v !== null);
  for (const key of ['minimum', 'maximum', 'minLength', 'maxLength'] as const)
    if (doc[key] !== undefined) rules[key] = doc[key];
  return rules;
}

/**
 * Asserts that the document states every enum and bound of the zod schema, field by field,
 * through nested objects and arrays; `at` names the field in a failure.
 */
function assertSameRules(schema: z.ZodType, doc: SchemaObject, at: string): void {
  assert.deepEqual(stated(doc), rulesOf(schema), `${at}: the document's rules differ from zod's`);
  const inner = core(schema);
  if (inner instanceof z.ZodObject) {
    const properties = doc.properties ?? {};
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(inner.shape).sort(), at);
    for (const [name, field] of Object.entries(inner.shape))
      assertSameRules(field as z.ZodType, properties[name] as SchemaObject, `${at}.${name}`);
  } else if (inner instanceof z.ZodArray) {
    assertSameRules(inner.element as z.ZodType, doc.items as SchemaObject, `${at}[]`);
  }
}

async function buildDocument(): Promise<OpenAPIObject> {
  const config = loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32) });
  const app = await NestFactory.create(GatewayModule.forRoot(config), {
    preview: true,
    logger: false,
  });
  setApiPrefix(app);
  const document = openApiDocument(app);
  await app.close();
  return document;
}

describe('OpenAPI document', () => {
  let operations: Map<string, Operation>;

  before(async () => {
    const document = await buildDocument();
    operations = new Map(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => [
          `${method} ${path.replace('/api/v1', '')}`,
          operation as Operation,
        ]),
      ),
    );
  });

  const operation = (route: string): Operation => {
    const found = operations.get(route);
    assert.ok(found, `${route} is in the document`);
    return found;
  };

  describe('query parameters', () => {
    for (const [route, schema] of Object.entries(QUERIES)) {
      it(`${route} documents each field of its query schema with the schema's rules`, () => {
        const query = (operation(route).parameters ?? []).filter((p) => p.in === 'query');
        assert.deepEqual(query.map((p) => p.name).sort(), Object.keys(schema.shape).sort());
        for (const parameter of query) {
          const field = schema.shape[parameter.name] as z.ZodType;
          const at = `${route} ?${parameter.name}`;
          assert.equal(parameter.required, !field.safeParse(undefined).success, `${at} required`);
          assertSameRules(field, parameter.schema, at);
        }
      });
    }

    it('every route with query parameters has its query schema listed here', () => {
      const withQuery = [...operations]
        .filter(([, op]) => op.parameters?.some((p) => p.in === 'query'))
        .map(([route]) => route);
      assert.deepEqual(withQuery.sort(), Object.keys(QUERIES).sort());
    });
  });

  describe('request bodies', () => {
    for (const [route, schema] of Object.entries(BODIES)) {
      it(`${route} states the enums and bounds of its body schema`, () => {
        const body = operation(route).requestBody?.content['application/json']?.schema;
        assert.ok(body, `${route} documents its body`);
        assertSameRules(schema, body, route);
      });
    }

    it('the bulk create states its size and a monitor its interval bounds', () => {
      const bulk = operation('post /monitors/bulk').requestBody!.content['application/json']!;
      const monitors = bulk.schema.properties!.monitors as SchemaObject;
      assert.equal(monitors.maxItems, MAX_MONITORS_PER_BULK);
      const create = operation('post /monitors').requestBody!.content['application/json']!;
      const interval = create.schema.properties!.intervalSeconds as SchemaObject;
      assert.equal(interval.minimum, MIN_INTERVAL_SECONDS);
      assert.equal(interval.maximum, MAX_INTERVAL_SECONDS);
    });

    it("a monitor's dns settings state their record types and bounds", () => {
      const create = operation('post /monitors').requestBody!.content['application/json']!;
      const dns = create.schema.properties!.dns as SchemaObject;
      assert.equal(dns.nullable, true);
      assert.deepEqual((dns.properties!.recordType as SchemaObject).enum, [...DNS_RECORD_TYPES]);
      assert.equal((dns.properties!.expected as SchemaObject).maxItems, MAX_DNS_EXPECTED);
    });
  });

  describe('answers', () => {
    for (const [route, [status, schema]] of Object.entries(ANSWERS)) {
      it(`${route} answers ${status} with the shape and enums of its contract`, () => {
        const answer = operation(route).responses[status]?.content?.['application/json']?.schema;
        assert.ok(answer, `${route} documents its ${status} answer`);
        assertSameRules(schema, answer, route);
      });
    }

    it("a check's outcome, error kind and a monitor's status are the contract's enums", () => {
      const answer = (route: string) =>
        operation(route).responses['200']!.content!['application/json']!.schema;
      const check = answer('post /monitors/{id}/check').properties!;
      assert.deepEqual((check.outcome as SchemaObject).enum, [...CHECK_OUTCOMES]);
      assert.deepEqual(
        (check.errorKind as SchemaObject).enum?.filter((v) => v !== null),
        [...ERROR_KINDS],
      );
      const monitor = answer('get /monitors/{id}').properties!;
      assert.deepEqual((monitor.status as SchemaObject).enum, [...MONITOR_STATUSES]);
    });
  });
});
