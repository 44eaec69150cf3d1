import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invitationMail } from './invitation-mail';

const INVITATION = {
  to: 'ann@example.com',
  teamName: 'Ops <b>"night"</b>',
  inviterEmail: 'lead@example.com',
  role: 'editor' as const,
  acceptUrl: 'https://uptime.example.com/invitations/abc_DEF-123',
  expiresAt: '2026-12-08T10:00:00.000Z',
};

describe('invitationMail', () => {
  it('should say who invites to which team as what, with the link, in both parts', () => {
    const mail = invitationMail(INVITATION);
    assert.equal(mail.to, 'ann@example.com');
    assert.equal(mail.subject, 'You are invited to join Ops <b>"night"</b>');
    for (const part of [mail.text, mail.html]) {
      assert.ok(part.includes('lead@example.com'));
      assert.ok(part.includes('editor'));
      assert.ok(part.includes(INVITATION.acceptUrl));
      assert.ok(part.includes('2026-12-08 10:00:00 UTC'));
    }
    assert.ok(mail.html.includes(`href="${INVITATION.acceptUrl}"`));
  });

  it('should escape the team name in the HTML part and keep the subject on one line', () => {
    const mail = invitationMail({ ...INVITATION, teamName: 'Ops\r\nBcc: x@evil.test <i>' });
    assert.equal(mail.subject, 'You are invited to join Ops Bcc: x@evil.test <i>');
    assert.ok(!mail.html.includes('<i>'));
    assert.ok(mail.html.includes('&lt;i&gt;'));
  });

  it('should name no inviter when the invitation came without one', () => {
    const mail = invitationMail({ ...INVITATION, inviterEmail: undefined });
    assert.match(mail.text, /^A team admin invited you/);
  });
});
