import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Script } from 'node:vm';
import { INVITATION_PAGE_CSP, invitationPage, unknownInvitationPage } from './invitation-page';

const PREVIEW = {
  teamName: 'Ops <script>alert(1)</script>',
  email: 'ann@example.com',
  role: 'editor' as const,
  expiresAt: '2026-12-08T10:00:00.000Z',
};

function inline(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
}

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('invitation page', () => {
  const html = invitationPage(PREVIEW, 'tok_EN-123', 'https://uptime.example.com');

  it('should run only the script and style its CSP names by hash', () => {
    const scripts = inline(html, 'script');
    const styles = inline(html, 'style');
    assert.equal(scripts.length, 1);
    assert.equal(styles.length, 1);
    assert.deepEqual(INVITATION_PAGE_CSP.scriptSrc, [hashOf(scripts[0]!)]);
    assert.deepEqual(INVITATION_PAGE_CSP.styleSrc, [hashOf(styles[0]!)]);
    assert.doesNotThrow(() => new Script(scripts[0]!), 'the script parses');
  });

  it('should escape the team name and show the email, the role and the expiry', () => {
    assert.ok(!html.includes('<script>alert(1)'));
    assert.ok(html.includes('Ops &lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('ann@example.com'));
    assert.ok(html.includes('<strong>editor</strong>'));
    assert.ok(html.includes('2026-12-08 10:00 UTC'));
  });

  it('should post to the accept route relative to the page, and show the full URL for curl', () => {
    assert.ok(html.includes('data-accept-path="../api/v1/invitations/tok_EN-123/accept"'));
    assert.ok(html.includes('https://uptime.example.com/api/v1/invitations/tok_EN-123/accept'));
  });

  it('should tell an unknown invitation without a script', () => {
    const unknown = unknownInvitationPage();
    assert.match(unknown, /not valid/);
    assert.deepEqual(inline(unknown, 'script'), []);
  });
});
