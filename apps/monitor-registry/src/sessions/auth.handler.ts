import { Controller } from '@nestjs/common';
import { Answers, rpcProblem } from '@uptime/bus';
import {
  type Credentials,
  Problems,
  RegistrySubjects,
  type SessionGrant,
  type User,
  type ParsedRequest,
} from '@uptime/contracts';
import { UsersService } from '../users/users.service';
import { SessionsService } from './sessions.service';

/** Accounts and sessions over NATS request/reply. */
@Controller()
export class AuthHandler {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  @Answers(RegistrySubjects.register)
  register(credentials: Credentials): Promise<User> {
    return this.users.register(credentials);
  }

  @Answers(RegistrySubjects.login)
  async login(body: ParsedRequest<typeof RegistrySubjects.login>): Promise<SessionGrant> {
    const user = await this.users.authenticate(body.email, body.password);
    if (!user) throw rpcProblem(Problems.unauthorized('The email or password is wrong.'));
    return this.sessions.start(user);
  }

  @Answers(RegistrySubjects.refresh)
  refresh(body: { refreshToken: string }): Promise<SessionGrant> {
    return this.sessions.rotate(body.refreshToken);
  }

  @Answers(RegistrySubjects.logout)
  async logout(body: { refreshToken: string }): Promise<{ ok: true }> {
    await this.sessions.end(body.refreshToken);
    return { ok: true };
  }

  @Answers(RegistrySubjects.getUser)
  me(body: { userId: string }): Promise<User> {
    return this.users.get(body.userId);
  }
}
