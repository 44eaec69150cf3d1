import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, type SecretOrKeyProvider, Strategy } from 'passport-jwt';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import type { UserCaller } from '../access/caller';
import { type AccessClaims, JWT_AUDIENCE, JWT_ISSUER } from './access-tokens';

/**
 * Hands passport-jwt the HMAC secret as a KeyObject. jsonwebtoken first tries a string or Buffer
 * key as a public key, which throws for an HMAC secret: ~0.7 ms of every request; a KeyObject
 * skips that. passport-jwt passes the provider's key on to jsonwebtoken untouched, but its typings
 * (string | Buffer) predate KeyObjects, so the callback is applied without their parameter type.
 */
function hmacKeyProvider(secret: string): SecretOrKeyProvider {
  const key = createSecretKey(Buffer.from(secret));
  return (_request, _token, done) => Reflect.apply(done, undefined, [null, key]);
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: hmacKeyProvider(config.jwtSecret),
      algorithms: ['HS256'],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  /** jsonwebtoken checks `exp` only when present: a token without one would never expire. */
  validate(claims: AccessClaims & { exp?: unknown }): UserCaller {
    if (typeof claims.exp !== 'number') throw new UnauthorizedException('The token has no expiry.');
    return { kind: 'user', userId: claims.sub, email: claims.email };
  }
}
