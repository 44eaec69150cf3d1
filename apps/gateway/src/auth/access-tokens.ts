import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { SessionGrant, TokenPair } from '@uptime/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

export const JWT_ISSUER = 'uptime-platform';
export const JWT_AUDIENCE = 'uptime-api';

export interface AccessClaims {
  sub: string;
  email: string;
}

/** Short-lived access tokens; the registry's refresh token renews them. */
@Injectable()
export class AccessTokens {
  constructor(
    private readonly jwt: JwtService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async pairFor(grant: SessionGrant): Promise<TokenPair> {
    const claims: AccessClaims = { sub: grant.user.id, email: grant.user.email };
    const accessToken = await this.jwt.signAsync(claims, {
      secret: this.config.jwtSecret,
      algorithm: 'HS256',
      expiresIn: this.config.accessTokenTtlSeconds,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    });
    return {
      accessToken,
      refreshToken: grant.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.config.accessTokenTtlSeconds,
    };
  }
}
