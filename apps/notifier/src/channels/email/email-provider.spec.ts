import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SMTPServerOptions } from 'smtp-server';
import { type MailServer, startMailServer } from '../../../../../test/support/mail-server';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { sampleAlert } from '../test-support';
import { EmailProvider } from './email-provider';

const FROM = 'Uptime <alerts@uptime.test>';
const TO = 'oncall@example.com';

/** Runs `use` with a provider and a server, and always closes both: no handle outlives a test. */
async function withMail(
  serverOptions: SMTPServerOptions,
  smtpUrl: (port: number) => string,
  use: (provider: EmailProvider, server: MailServer) => Promise<void>,
): Promise<void> {
  const server = await startMailServer(serverOptions);
  const provider = new EmailProvider({ smtpUrl: smtpUrl(server.port), from: FROM });
  try {
    await use(provider, server);
  } finally {
    await provider.close();
    await server.close();
  }
}

describe('EmailProvider.send', () => {
  it('should send an HTML part and a text part with the same facts', async () => {
    await withMail(
      {},
      (port) => `smtp://127.0.0.1:${port}`,
      async (provider, server) => {
        const message = sampleAlert();
        await provider.send({ to: [TO] }, message);

        assert.equal(server.messages.length, 1);
        const mail = await server.messages[0]!;
        assert.equal(mail.subject, '[DOWN] Checkout API is down');
        assert.equal(mail.from?.text, '"Uptime" <alerts@uptime.test>');
        assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
        assert.equal(typeof mail.html, 'string');
        assert.equal(typeof mail.text, 'string');
        for (const part of [String(mail.html), String(mail.text)]) {
          assert.match(part, /Checkout API/);
          assert.match(part, /HTTP status 503, expected 200-299/);
          assert.match(part, /2025-03-01 12:00:00 UTC/);
          assert.ok(part.includes(message.monitorLink), 'the link to the monitor');
        }
        assert.match(String(mail.html), /#d92d20/, 'a red banner for a down alert');
        assert.match(String(mail.html), new RegExp(`href="${message.monitorLink}"`));
      },
    );
  });

  it('should escape user text in the HTML part', async () => {
    await withMail(
      {},
      (port) => `smtp://127.0.0.1:${port}`,
      async (provider, server) => {
        const name = 'Shop <script>alert("x")</script> & co';
        await provider.send(
          { to: [TO] },
          sampleAlert({ monitor: { id: 'm', name, url: 'https://a.test/?q="><img src=x>' } }),
        );
        const mail = await server.messages[0]!;
        const html = String(mail.html);
        assert.ok(!html.includes('<script>'));
        assert.ok(!html.includes('<img'));
        assert.match(html, /Shop &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; co/);
        assert.match(String(mail.text), /Shop <script>alert\("x"\)<\/script> & co/);
      },
    );
  });

  it('should show the duration of a recovery on a green banner', async () => {
    await withMail(
      {},
      (port) => `smtp://127.0.0.1:${port}`,
      async (provider, server) => {
        await provider.send({ to: [TO] }, sampleAlert({ kind: 'up', durationMs: 252_000 }));
        const mail = await server.messages[0]!;
        assert.equal(mail.subject, '[UP] Checkout API is back up after 4m 12s');
        assert.match(String(mail.text), /Duration:\s+4m 12s/);
        assert.match(String(mail.html), /#067647/);
      },
    );
  });

  it('should log in with the user and password from SMTP_URL', async () => {
    const logins: string[] = [];
    const server: SMTPServerOptions = {
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        logins.push(`${auth.username}:${auth.password}`);
        if (auth.username === 'mailer' && auth.password === 'p@ss:w/rd') {
          callback(null, { user: auth.username });
          return;
        }
        callback(new Error('Invalid username or password'));
      },
    };
    const password = encodeURIComponent('p@ss:w/rd');
    await withMail(
      server,
      (port) => `smtp://mailer:${password}@127.0.0.1:${port}`,
      async (provider, mail) => {
        await provider.send({ to: [TO] }, sampleAlert());
        assert.equal(mail.messages.length, 1);
      },
    );
    assert.deepEqual(logins, ['mailer:p@ss:w/rd']);
  });

  it('should report a refused login without the password', async () => {
    const server: SMTPServerOptions = {
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')),
    };
    await withMail(
      server,
      (port) => `smtp://mailer:wrong-secret-pw@127.0.0.1:${port}`,
      async (provider) => {
        await assert.rejects(provider.send({ to: [TO] }, sampleAlert()), (err: unknown) => {
          assert.ok(err instanceof DeliveryError);
          assert.match(err.message, /SMTP login failed/);
          assert.match(err.message, /535/);
          assert.ok(!err.message.includes('wrong-secret-pw'));
          assert.equal(err.retryable, false);
          return true;
        });
      },
    );
  });

  it('should report a rejected recipient with the SMTP reply and without the password', async () => {
    const server: SMTPServerOptions = {
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
      onRcptTo(address, _session, callback) {
        const refusal = new Error(`No such user here: ${address.address}`) as Error & {
          responseCode: number;
        };
        refusal.responseCode = 550;
        callback(refusal);
      },
    };
    await withMail(
      server,
      (port) => `smtp://mailer:hunter2-secret@127.0.0.1:${port}`,
      async (provider, mail) => {
        await assert.rejects(
          provider.send({ to: ['ghost@example.com'] }, sampleAlert()),
          (err: unknown) => {
            assert.ok(err instanceof DeliveryError);
            assert.match(err.message, /550 No such user here: ghost@example\.com/);
            assert.ok(!err.message.includes('hunter2-secret'));
            assert.equal(err.status, 550);
            assert.equal(err.retryable, false);
            return true;
          },
        );
        assert.equal(mail.messages.length, 0);
      },
    );
  });

  it('should report recipients refused while others got the email, without retrying', async () => {
    const server: SMTPServerOptions = {
      onRcptTo(address, _session, callback) {
        if (address.address !== 'ghost@example.com') return callback();
        const refusal = new Error('Mailbox unavailable') as Error & { responseCode: number };
        refusal.responseCode = 550;
        callback(refusal);
      },
    };
    await withMail(
      server,
      (port) => `smtp://127.0.0.1:${port}`,
      async (provider, mail) => {
        await assert.rejects(
          provider.send({ to: [TO, 'ghost@example.com'] }, sampleAlert()),
          (err: unknown) => {
            assert.ok(err instanceof DeliveryError);
            assert.match(err.message, /refused ghost@example\.com \(sent to oncall@example\.com\)/);
            assert.match(err.message, /550 Mailbox unavailable/);
            assert.equal(err.retryable, false);
            return true;
          },
        );
        assert.equal(mail.messages.length, 1);
      },
    );
  });
});

describe('EmailProvider config', () => {
  const provider = new EmailProvider({ smtpUrl: 'smtp://127.0.0.1:2525', from: FROM });

  it('should turn a single address into a list', () => {
    assert.deepEqual(validateChannelConfig(provider, { to: ' oncall@example.com ' }), {
      ok: true,
      value: { to: ['oncall@example.com'] },
    });
  });

  it('should keep each address once', () => {
    const result = validateChannelConfig(provider, { to: [TO, TO, 'ops@example.com'] });
    assert.deepEqual(result, { ok: true, value: { to: [TO, 'ops@example.com'] } });
  });

  const cases: [string, unknown, string[]][] = [
    ['a malformed address', { to: [TO, 'not-an-email'] }, ['config.to[1]']],
    ['an empty list', { to: [] }, ['config.to']],
    [
      'more than ten addresses',
      { to: Array.from({ length: 11 }, (_, i) => `user${i}@example.com`) },
      ['config.to'],
    ],
    ['a missing recipient', {}, ['config.to']],
    ['an unknown field', { to: TO, cc: TO }, ['config.cc']],
  ];
  for (const [what, config, fields] of cases) {
    it(`should reject ${what}, naming ${fields.join(', ')}`, () => {
      const result = validateChannelConfig(provider, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should return the whole config when redacted, since it has no secret', () => {
    assert.deepEqual(provider.redact({ to: [TO] }), { to: [TO] });
  });

  it('should refuse an SMTP_URL of another scheme without printing its password', () => {
    assert.throws(
      () => new EmailProvider({ smtpUrl: 'http://u:topsecret@mail.test', from: FROM }),
      (err: unknown) =>
        err instanceof Error &&
        /must start with smtp:\/\/ or smtps:\/\//.test(err.message) &&
        !err.message.includes('topsecret'),
    );
  });
});
