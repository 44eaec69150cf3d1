import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { UserEntity } from './user.entity';

/** Accounts; emails are stored lower-cased, so lookups by email are case-insensitive. */
@Injectable()
export class UserRepository {
  constructor(private readonly em: EntityManager) {}

  /** Refused with a duplicate key (`isDuplicateKey`) when the email is taken. */
  async insert(user: UserEntity): Promise<void> {
    await this.em.persistAndFlush(user);
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.em.findOne(UserEntity, { email });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.em.findOne(UserEntity, { id });
  }

  /** For a user a stored row refers to (and so cannot be missing: deletes cascade). */
  getById(id: string): Promise<UserEntity> {
    return this.em.findOneOrFail(UserEntity, { id });
  }
}
