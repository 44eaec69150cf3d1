import type { InvitationPreview } from '@uptime/contracts';
import { cspHash } from '../http/csp-hash';

/**
 * The page an invitation's link opens: self-contained (no file to serve, nothing from elsewhere),
 * its one script and one stylesheet allowed by their hashes in the page's CSP, so nothing else
 * can run. The form posts JSON with `fetch`: the gateway reads no form bodies.
 */
const STYLE = `body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#101828;background:#f2f4f7;margin:0;padding:24px}
main{max-width:520px;margin:0 auto;background:#fff;border:1px solid #eaecf0;border-radius:8px;padding:24px}
label{display:block;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:8px;font-size:16px}
button{margin-top:16px;padding:10px 18px;font-size:16px;background:#1570ef;color:#fff;border:0;border-radius:6px}
code{word-break:break-all;font-size:13px}#status{font-weight:600}`;

const SCRIPT = `(function () {
  var form = document.getElementById('create-account');
  var status = document.getElementById('status');
  if (!form || !status) return;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var password = form.elements.namedItem('password').value;
    if (password !== form.elements.namedItem('confirm').value) {
      status.textContent = 'The two passwords differ.';
      return;
    }
    status.textContent = 'Creating your account…';
    fetch(form.getAttribute('data-accept-path'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: password }),
    })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      })
      .then(function (answer) {
        if (answer.ok) {
          form.hidden = true;
          status.textContent = 'Your account ' + answer.body.user.email +
            ' is ready and has joined the team. Sign in with it from now on.';
          return;
        }
        var errors = (answer.body.errors || []).map(function (e) { return e.field + ' ' + e.message; });
        status.textContent = [answer.body.detail || 'That did not work.'].concat(errors).join(' ');
      })
      .catch(function () { status.textContent = 'The server could not be reached; try again.'; });
  });
})();`;

/** The page's Content-Security-Policy: its own script and style, requests to itself, nothing else. */
export const INVITATION_PAGE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: [cspHash(SCRIPT)],
  styleSrc: [cspHash(STYLE)],
  connectSrc: ["'self'"],
  formAction: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/** The page for a pending invitation: what it is for, and how to accept it. */
export function invitationPage(
  invitation: InvitationPreview,
  token: string,
  publicUrl: string,
): string {
  const acceptPath = `/api/v1/invitations/${encodeURIComponent(token)}/accept`;
  // Relative to the page (`…/invitations/{token}`): right also behind a proxy that adds a prefix.
  const relativeAcceptPath = `..${acceptPath}`;
  const until = `${invitation.expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
  return page(
    `Join ${invitation.teamName}`,
    `<h1>Join ${escapeHtml(invitation.teamName)}</h1>
<p>You are invited to the team <strong>${escapeHtml(invitation.teamName)}</strong> as
<strong>${escapeHtml(invitation.role)}</strong>. The invitation is for
<strong>${escapeHtml(invitation.email)}</strong> and works once, until ${escapeHtml(until)}.</p>
<h2>New here? Create your account</h2>
<form id="create-account" data-accept-path="${escapeHtml(relativeAcceptPath)}">
<label for="password">Password for ${escapeHtml(invitation.email)} (at least 8 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>
<label for="confirm">The same password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>
<button type="submit">Create my account and join</button>
</form>
<p id="status" role="status"></p>
<h2>Already have an account with this email?</h2>
<p>Accept while signed in, with your access token:</p>
<p><code>curl -X POST -H "Authorization: Bearer $ACCESS_TOKEN" ${escapeHtml(
      `${publicUrl}${acceptPath}`,
    )}</code></p>`,
    SCRIPT,
  );
}

/** Unknown, used, revoked and expired tokens all look alike. */
export function unknownInvitationPage(): string {
  return page(
    'Invitation not valid',
    `<h1>This invitation is not valid</h1>
<p>It may have expired, been used or been revoked. Ask the team's admin for a new one.</p>`,
  );
}

function page(title: string, body: string, script?: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${script ? `<script>${script}</script>` : ''}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
