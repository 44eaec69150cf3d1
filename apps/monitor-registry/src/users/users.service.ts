import { Inject, Injectable } from '@nestjs/common';
import { rpcProblem } from '@uptime/bus';
import { type Credentials, Problems, type User } from '@uptime/contracts';
import { isDuplicateKey, UnitOfWork } from '@uptime/persistence';
import { REGISTRY_CONFIG, type RegistryConfig } from '../config';
import { TeamsService } from '../teams/teams.service';
import { PasswordHasher } from './password-hasher';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

export function toUser(entity: UserEntity): User {
  return { id: entity.id, email: entity.email, createdAt: entity.createdAt.toISOString() };
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly work: UnitOfWork,
    private readonly teams: TeamsService,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /**
   * `POST /auth/register`. With `REGISTRATION=invite` only the first account registers itself,
   * under a lock so two first registrations at once cannot both pass; the rest are invited.
   */
  async register(credentials: Credentials): Promise<User> {
    if (this.config.registration === 'open') return toUser(await this.createAccount(credentials));
    const user = await this.work.transaction(async () => {
      await this.users.lockRegistration();
      if (await this.users.anyExists()) {
        throw rpcProblem(
          Problems.registrationClosed(
            'Registration is by invitation only (REGISTRATION=invite): ask a team admin to invite your email.',
          ),
        );
      }
      return this.createAccount(credentials);
    });
    return toUser(user);
  }

  /**
   * The account and its personal team, together or not at all, whatever the registration
   * policy: accepting an invitation creates accounts this way. Email taken: 409.
   */
  async createAccount(credentials: Credentials): Promise<UserEntity> {
    const user = new UserEntity();
    user.email = credentials.email;
    user.passwordHash = await this.hasher.hash(credentials.password);
    try {
      await this.work.transaction(async () => {
        await this.users.insert(user);
        await this.teams.createPersonal(user.id, user.email);
      });
    } catch (err) {
      if (isDuplicateKey(err)) {
        throw rpcProblem(Problems.conflict('An account with this email already exists.'));
      }
      throw err;
    }
    return user;
  }

  /** The user whose password matches, or null; unknown email and wrong password look the same. */
  async authenticate(email: string, password: string): Promise<UserEntity | null> {
    const user = await this.users.findByEmail(email);
    const ok = await this.hasher.verify(user?.passwordHash ?? null, password);
    return ok ? user : null;
  }

  async get(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw rpcProblem(Problems.notFound('The user'));
    return toUser(user);
  }
}
