import {
  type CanActivate,
  Controller,
  Delete,
  Get,
  RequestMethod,
  type Type,
} from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadGatewayConfig } from '../config';
import { GatewayModule } from '../gateway.module';
import { ACCESS_RULE, type AccessRule, Allow, Authenticated, SignedIn } from './access-rule';
import { AccessGuard } from './access.guard';

/** Routes anyone may call, signed in or not: no guard, no rule. */
const PUBLIC_ROUTES = new Set([
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/logout',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
  'GET /config/schema.json',
  'GET /invitations/:token',
  // A heartbeat monitor's ping URL: the token is the proof.
  'GET /ping/:token',
  'POST /ping/:token',
  'GET /ping/:token/start',
  'POST /ping/:token/start',
  'GET /ping/:token/fail',
  'POST /ping/:token/fail',
  // Public status pages and badges: only what a team made public, read-only.
  'GET /public/status-pages/:slug',
  'GET /status/:slug',
  'GET /badges/:id/status.svg',
  'GET /badges/:id/uptime.svg',
  'GET /badges/:id/response-time.svg',
]);

/** One route handler of a controller, with what Nest reads from its decorators. */
interface Handler {
  route: string;
  name: string;
  guarded: boolean;
  rule?: AccessRule;
}

type Guard = Type<CanActivate> | CanActivate;

/** Every controller the gateway registers, across all the modules it imports. */
async function gatewayControllers(): Promise<Type[]> {
  const config = loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32) });
  const app = await NestFactory.create(GatewayModule.forRoot(config), {
    preview: true,
    logger: false,
  });
  const controllers = [...app.get(ModulesContainer).values()].flatMap((module) =>
    [...module.controllers.values()].map((wrapper) => wrapper.metatype as Type),
  );
  await app.close();
  return [...new Set(controllers)];
}

function joinPath(...parts: (string | string[] | undefined)[]): string {
  const segments = parts.flatMap((p) => (Array.isArray(p) ? p[0] : p) ?? '');
  return `/${segments.join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

/** The route handlers of a controller, as Nest's router sees them. */
function handlersOf(controller: Type): Handler[] {
  const proto = controller.prototype as Record<string, unknown>;
  const classGuards: Guard[] = Reflect.getMetadata(GUARDS_METADATA, controller) ?? [];
  const classRule: AccessRule | undefined = Reflect.getMetadata(ACCESS_RULE, controller);
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && typeof proto[name] === 'function')
    .map((name) => ({ name, fn: proto[name] as object }))
    .filter(({ fn }) => Reflect.getMetadata(PATH_METADATA, fn) !== undefined)
    .map(({ name, fn }) => {
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod];
      const path = joinPath(
        Reflect.getMetadata(PATH_METADATA, controller),
        Reflect.getMetadata(PATH_METADATA, fn),
      );
      const guards = [...classGuards, ...(Reflect.getMetadata(GUARDS_METADATA, fn) ?? [])];
      return {
        route: `${method} ${path}`,
        name: `${controller.name}.${name}`,
        guarded: guards.includes(AccessGuard),
        // As the guard reads it: the handler's rule overrides the controller's.
        rule: Reflect.getMetadata(ACCESS_RULE, fn) ?? classRule,
      };
    });
}

/** What the walk must see through: a rule forgotten on a guarded route, a guard forgotten. */
@Authenticated()
@Controller('guarded')
class ForgetfulController {
  @Allow('editor', { teamParam: 'id' })
  @Delete(':id')
  remove(): void {}

  @Get()
  list(): void {}
}

@Controller('open')
class UnguardedController {
  @SignedIn()
  @Get('me')
  me(): void {}
}

/**
 * Authorization cannot be skipped by forgetting a decorator: every route of the gateway is
 * either decided by `AccessGuard` from an access rule, or listed here as public.
 */
describe('access rules of the gateway routes', () => {
  let handlers: Handler[];

  before(async () => {
    handlers = (await gatewayControllers()).flatMap(handlersOf);
  });

  it("should read each handler's route, guard and rule from its decorators", () => {
    assert.deepEqual(handlersOf(ForgetfulController), [
      {
        route: 'DELETE /guarded/:id',
        name: 'ForgetfulController.remove',
        guarded: true,
        rule: { role: 'editor', teamParam: 'id' },
      },
      { route: 'GET /guarded', name: 'ForgetfulController.list', guarded: true, rule: undefined },
    ]);
    assert.deepEqual(handlersOf(UnguardedController), [
      {
        route: 'GET /open/me',
        name: 'UnguardedController.me',
        guarded: false,
        rule: { personOnly: true },
      },
    ]);
  });

  it('should find the routes of every controller', () => {
    const routes = handlers.map((h) => h.route);
    for (const route of ['GET /auth/me', 'POST /monitors', 'DELETE /teams/:id', 'GET /metrics'])
      assert.ok(routes.includes(route), `${route} among ${routes.join(', ')}`);
  });

  it('should give every route AccessGuard checks an access rule', () => {
    const ruleless = handlers.filter((h) => h.guarded && !h.rule).map((h) => h.name);
    assert.deepEqual(ruleless, [], 'guarded routes without @Allow or @SignedIn');
  });

  it('should guard every route that has an access rule with AccessGuard', () => {
    const unguarded = handlers.filter((h) => h.rule && !h.guarded).map((h) => h.name);
    assert.deepEqual(unguarded, [], 'routes whose rule nothing applies (add @Authenticated)');
  });

  it('should guard every route but the public ones', () => {
    const open = handlers.filter((h) => !h.guarded).map((h) => h.route);
    assert.deepEqual(open.sort(), [...PUBLIC_ROUTES].sort());
  });

  it("should name a parameter of the route's path as the team parameter", () => {
    const wrong = handlers
      .filter((h) => h.rule?.teamParam && !h.route.includes(`/:${h.rule.teamParam}`))
      .map((h) => `${h.name} (${h.route}) names :${h.rule!.teamParam}`);
    assert.deepEqual(wrong, []);
  });
});
