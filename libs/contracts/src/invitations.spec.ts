import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import {
  InvitationAcceptSchema,
  InvitationCreateSchema,
  InvitationMailRequestSchema,
  InvitationTokenSchema,
} from './invitations';
import { fieldErrorsOf } from './problem';
import { RequestContracts } from './requests';
import { NotifierMailSubjects, RegistryInvitationSubjects } from './subjects';

function fieldsOf(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value, { reportInput: true });
  return parsed.success ? [] : fieldErrorsOf(parsed.error).map((e) => e.field);
}

describe('invitation contracts', () => {
  it('should take an email, lower-cased, and a role', () => {
    assert.deepEqual(InvitationCreateSchema.parse({ email: ' Ann@Example.COM ', role: 'admin' }), {
      email: 'ann@example.com',
      role: 'admin',
    });
  });

  it('should name each bad field of an invitation', () => {
    assert.deepEqual(
      fieldsOf(InvitationCreateSchema, { email: 'nope', role: 'boss', extra: 1 }).sort(),
      ['email', 'extra', 'role'],
    );
    assert.deepEqual(fieldsOf(InvitationCreateSchema, {}).sort(), ['email', 'role']);
  });

  it('should accept without a body, and hold a new password to the registration rules', () => {
    assert.deepEqual(InvitationAcceptSchema.parse({}), {});
    assert.deepEqual(fieldsOf(InvitationAcceptSchema, { password: 'short' }), ['password']);
    assert.deepEqual(fieldsOf(InvitationAcceptSchema, { password: 'long enough', x: 1 }), ['x']);
  });

  it('should bound a token by length only: anything else is just unknown', () => {
    assert.ok(InvitationTokenSchema.safeParse('a'.repeat(43)).success);
    assert.ok(InvitationTokenSchema.safeParse('not base64url!').success);
    assert.ok(!InvitationTokenSchema.safeParse('').success);
    assert.ok(!InvitationTokenSchema.safeParse('a'.repeat(129)).success);
  });

  it('should take an invitation email only with an http(s) link and a time', () => {
    const mail = {
      to: 'ann@example.com',
      teamName: 'Ops',
      role: 'viewer',
      acceptUrl: 'https://uptime.example.com/invitations/abc',
      expiresAt: '2026-12-08T10:00:00.000Z',
    };
    assert.ok(InvitationMailRequestSchema.safeParse(mail).success);
    assert.deepEqual(
      fieldsOf(InvitationMailRequestSchema, { ...mail, acceptUrl: 'later', expiresAt: 'soon' }),
      ['acceptUrl', 'expiresAt'],
    );
  });

  it('should give every invitation subject a request contract', () => {
    for (const subject of [
      ...Object.values(RegistryInvitationSubjects),
      ...Object.values(NotifierMailSubjects),
    ]) {
      assert.ok(RequestContracts[subject], subject);
    }
  });
});
