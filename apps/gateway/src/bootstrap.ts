import { type INestApplication, RequestMethod } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { nestLogLevels } from '@uptime/config';
import { TELEMETRY } from '@uptime/health';
import { type RunningService, startService } from '@uptime/service-host';
import type { GatewayConfig } from './config';
import { type GatewayOptions, GatewayModule } from './gateway.module';
import { CONFIG_APPLY_PATH } from './config-as-code/config-documents.controller';
import { API_PREFIX } from './http/api-prefix';
import { acceptJsonBodiesOnly, jsonBodyOutside, YAML_BODY_TYPES } from './http/json-body';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { Refusals } from './http/refusals';
import { RequestObserver } from './http/request-observer';
import { DOCS_PATH, securityHeaders } from './http/security-headers';
import { JsonShapePipe } from './http/validation';
import { webApp } from './http/web-app';

export { API_PREFIX };

/** Where the heartbeat pings are served: a body there is any media type, read by the route. */
const PING_PATH_PREFIX = '/ping/';

export function startGateway(
  config: GatewayConfig,
  options: GatewayOptions = {},
): Promise<RunningService> {
  return startService({
    module: GatewayModule.forRoot(config, options),
    logLevels: nestLogLevels(config.logLevel),
    logFormat: config.logFormat,
    tracing: { name: 'gateway', endpoint: config.otlpEndpoint },
    port: config.port,
    host: config.host,
    metrics: config.metrics,
    // JSON only: Nest's default form parser would let a page on another site post to the API.
    bodyParser: false,
    configure: (app) => configureHttp(app as NestExpressApplication, config),
  });
}

function configureHttp(app: NestExpressApplication, config: GatewayConfig): void {
  app.use(new RequestObserver(app.get(TELEMETRY, { strict: false })).observe);
  app.use(securityHeaders);
  app.use(acceptJsonBodiesOnly([`/${API_PREFIX}/${CONFIG_APPLY_PATH}`], [PING_PATH_PREFIX]));
  // 1 MB: a bulk create of up to 1,000 monitors; one monitor is far smaller. Ping bodies are
  // read by their route, at most 10 KB and whatever their type.
  app.useBodyParser('json', { limit: '1mb', type: jsonBodyOutside(PING_PATH_PREFIX) });
  // A configuration document in YAML, read as text (only its route gets past the check above).
  app.useBodyParser('text', { limit: '1mb', type: YAML_BODY_TYPES });
  app.useGlobalFilters(
    new ProblemDetailsFilter(new Refusals(app.get(TELEMETRY, { strict: false }))),
  );
  app.useGlobalPipes(new JsonShapePipe());
  app.disable('x-powered-by');
  // Whose X-Forwarded-For names the client (the auth rate limit keys on it).
  app.set('trust proxy', config.trustedProxies);
  setApiPrefix(app);
  SwaggerModule.setup(DOCS_PATH, app, openApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
  });
  // The dashboard at `/`: only paths outside the API, docs, pages and probes reach it.
  app.use(webApp());
}

/**
 * The API under /api/v1; health and metrics stay where probes and scrapers expect them, and the
 * invitation page where its emailed link points.
 */
export function setApiPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      // The page an invitation email links to: `<PUBLIC_URL>/invitations/{token}`.
      { path: 'invitations/:token', method: RequestMethod.GET },
      // What a heartbeat monitor's job calls: its `pingUrl`, `<PUBLIC_URL>/ping/{token}`.
      { path: 'ping/:token', method: RequestMethod.ALL },
      { path: 'ping/:token/start', method: RequestMethod.ALL },
      { path: 'ping/:token/fail', method: RequestMethod.ALL },
      // Public status pages and badges, for people and READMEs.
      { path: 'status/:slug', method: RequestMethod.GET },
      { path: 'badges/:id/status.svg', method: RequestMethod.GET },
      { path: 'badges/:id/uptime.svg', method: RequestMethod.GET },
      { path: 'badges/:id/response-time.svg', method: RequestMethod.GET },
    ],
  });
}

/**
 * OpenAPI generated from the controllers and the contract schemas: served at /docs, and the
 * source of the README's route table.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Uptime platform API')
      .setDescription(
        'Monitors, checks, incidents and alerts. Errors are application/problem+json (RFC 9457); ' +
          'lists take limit and cursor and return { items, nextCursor }.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
}
