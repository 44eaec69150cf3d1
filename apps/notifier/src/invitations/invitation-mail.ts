import type { InvitationMail } from '@uptime/contracts';
import { escapeHtml, type OutgoingMail, formatUtc } from '../channels/index';

/** The invitation email: who invites to which team as what, the link, and until when. */
export function invitationMail(mail: InvitationMail): OutgoingMail {
  const who = mail.inviterEmail ?? 'A team admin';
  const expires = formatUtc(mail.expiresAt);
  // A team name is user text: a line break must not split the subject header.
  const subject = `You are invited to join ${mail.teamName.replace(/\s+/g, ' ')}`;
  const text = [
    `${who} invited you to join the team "${mail.teamName}" as ${mail.role}.`,
    '',
    `Accept the invitation: ${mail.acceptUrl}`,
    '',
    `The link works once, until ${expires}. If you did not expect it, ignore this email.`,
    '',
  ].join('\n');
  const link = escapeHtml(mail.acceptUrl);
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f2f4f7;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#101828">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #eaecf0;border-radius:8px">
<tr><td style="padding:24px">
<p style="margin:0 0 16px;font-size:16px">${escapeHtml(who)} invited you to join the team <strong>${escapeHtml(mail.teamName)}</strong> as <strong>${escapeHtml(mail.role)}</strong>.</p>
<a href="${link}" style="display:inline-block;padding:12px 20px;background:#1570ef;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">Accept the invitation</a>
<p style="margin:16px 0 0;font-size:12px;color:#667085">Or paste this link: ${link}<br>It works once, until ${escapeHtml(expires)}. If you did not expect it, ignore this email.</p>
</td></tr>
</table>
</body>
</html>
`;
  return { to: mail.to, subject, text, html };
}
