import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContractPipe, rpcProblem } from '@uptime/bus';
import {
  type Credentials,
  CredentialsSchema,
  LoginSchema,
  Problems,
  RefreshTokenBodySchema,
  RegistrySubjects,
  type SessionGrant,
  type User,
  UserIdSchema,
} from '@uptime/contracts';
import type { z } from 'zod';
import { UsersService } from '../users/users.service';
import { SessionsService } from './sessions.service';

/** Accounts and sessions over NATS request/reply. */
@Controller()
export class AuthHandler {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  @MessagePattern(RegistrySubjects.register)
  register(@Payload(new ContractPipe(CredentialsSchema)) credentials: Credentials): Promise<User> {
    return this.users.register(credentials);
  }

  @MessagePattern(RegistrySubjects.login)
  async login(
    @Payload(new ContractPipe(LoginSchema)) body: z.output<typeof LoginSchema>,
  ): Promise<SessionGrant> {
    const user = await this.users.authenticate(body.email, body.password);
    if (!user) throw rpcProblem(Problems.unauthorized('The email or password is wrong.'));
    return this.sessions.start(user);
  }

  @MessagePattern(RegistrySubjects.refresh)
  refresh(
    @Payload(new ContractPipe(RefreshTokenBodySchema)) body: { refreshToken: string },
  ): Promise<SessionGrant> {
    return this.sessions.rotate(body.refreshToken);
  }

  @MessagePattern(RegistrySubjects.logout)
  async logout(
    @Payload(new ContractPipe(RefreshTokenBodySchema)) body: { refreshToken: string },
  ): Promise<{ ok: true }> {
    await this.sessions.end(body.refreshToken);
    return { ok: true };
  }

  @MessagePattern(RegistrySubjects.getUser)
  me(@Payload(new ContractPipe(UserIdSchema)) body: { userId: string }): Promise<User> {
    return this.users.get(body.userId);
  }
}
