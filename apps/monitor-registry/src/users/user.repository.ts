import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { UserEntity } from './user.entity';

/** Key of the advisory lock that serialises registrations under `REGISTRATION=invite`. */
const REGISTRATION_LOCK = 0x72656769; // 'regi'

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

  /** Held until the transaction ends: the first registration under `REGISTRATION=invite`. */
  async lockRegistration(): Promise<void> {
    await this.em.execute('select pg_advisory_xact_lock(?)', [REGISTRATION_LOCK]);
  }

  async anyExists(): Promise<boolean> {
    return (await this.em.find(UserEntity, {}, { fields: ['id'], limit: 1 })).length > 0;
  }
}
