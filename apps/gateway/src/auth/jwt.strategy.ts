import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { type AccessClaims, JWT_AUDIENCE, JWT_ISSUER } from './access-tokens';

export interface Caller {
  userId: string;
  email: string;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // jsonwebtoken first tries a string key as a public key, which throws for an HMAC secret:
      // ~0.7 ms of every request. A KeyObject skips that; passport-jwt's types predate them.
      secretOrKey: createSecretKey(Buffer.from(config.jwtSecret)) as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  /** jsonwebtoken checks `exp` only when present: a token without one would never expire. */
  validate(claims: AccessClaims & { exp?: unknown }): Caller {
    if (typeof claims.exp !== 'number') throw new UnauthorizedException('The token has no expiry.');
    return { userId: claims.sub, email: claims.email };
  }
}
