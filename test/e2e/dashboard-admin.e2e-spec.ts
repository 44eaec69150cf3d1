import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Request } from 'playwright-core';
import { screenshot } from '../support/browser';
import {
  accessTokenOf,
  type DashboardSession,
  registerThroughUi,
  sidewaysOverflow,
  startDashboardSession,
} from '../support/dashboard';
import { tokenOf } from '../support/teams';

/**
 * The dashboard's admin screens in Chromium against `npm start`'s platform: API keys (the
 * secret shown once, and working against the API) and maintenance windows (refusals at their
 * fields, a window created for a monitor) and teams (the active one sent as `X-Team-Id`, an
 * invitation, its pending list and revocation, renaming and deleting a team); the monitors list
 * asks for every sparkline in one request. Each screen passes axe-core.
 */
describe('web dashboard: API keys, maintenance windows, teams', () => {
  let s: DashboardSession;
  let monitorId: string;

  before(async () => {
    s = await startDashboardSession();
    await s.page.goto(s.platform.baseUrl);
    await s.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await registerThroughUi(s.page, `admin-${Date.now()}@example.com`);
    const res = await s.platform.api.request('POST', '/api/v1/monitors', {
      token: await accessTokenOf(s.page),
      body: { name: 'Checkout API', url: s.target.url('checkout'), intervalSeconds: 60 },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    monitorId = (res.body as { id: string }).id;
  });
  after(async () => {
    await s?.stop();
  });

  it('creates an API key, shows its secret once, and the key works against the API', async () => {
    await s.page.getByRole('link', { name: 'API keys' }).click();
    await s.page.getByRole('heading', { name: 'API keys' }).waitFor();
    await s.page.getByRole('cell', { name: 'No API keys yet.' }).waitFor();
    // A refusal shows at its field.
    await s.page.getByRole('button', { name: 'Create API key' }).click();
    await s.page.locator('.field-invalid', { hasText: 'Key name' }).getByRole('alert').waitFor();

    await s.page.getByLabel('Key name').fill('CI deploys');
    await s.page.getByLabel('Role').selectOption('viewer');
    await s.page.getByRole('button', { name: 'Create API key' }).click();
    const secret = s.page.getByTestId('new-api-key');
    await secret.waitFor();
    const key = (await secret.textContent()) ?? '';
    assert.match(key, /^upk_[A-Za-z0-9_-]{43}$/);
    const row = s.page.getByRole('row', { name: /CI deploys/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', new RegExp(`${key.slice(0, 12)}…`));
    assert.ok(!((await row.textContent()) ?? '').includes(key), 'the list shows a prefix only');
    await s.assertAccessible('API keys');
    await screenshot(s.page, 'dashboard-api-keys');

    // The key acts with its role: a viewer reads the monitors, and may not create one.
    const list = await fetch(`${s.platform.baseUrl}/api/v1/monitors`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(list.status, 200);
    const names = ((await list.json()) as { items: { name: string }[] }).items.map((m) => m.name);
    assert.deepEqual(names, ['Checkout API']);
    const write = await fetch(`${s.platform.baseUrl}/api/v1/monitors`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', url: s.target.url('x') }),
    });
    assert.equal(write.status, 403);

    // Once dismissed, or after a reload, the secret is nowhere on the page.
    await s.page.getByRole('button', { name: 'I have stored it' }).click();
    await s.page.reload();
    await s.page.getByRole('row', { name: /CI deploys/ }).waitFor();
    assert.ok(!(await s.page.content()).includes(key), 'the secret is shown once');

    // Revoked in the UI, the key is refused at once.
    s.page.once('dialog', (d) => void d.accept());
    await s.page.getByRole('button', { name: 'Revoke CI deploys' }).click();
    await s.page.getByRole('cell', { name: 'No API keys yet.' }).waitFor();
    const refused = await fetch(`${s.platform.baseUrl}/api/v1/monitors`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(refused.status, 401);
  });

  it('creates a maintenance window for a monitor, its refusals shown at the fields', async () => {
    await s.page.getByRole('link', { name: 'Maintenance' }).click();
    await s.page.getByRole('heading', { name: 'Maintenance windows' }).waitFor();
    await s.page.getByRole('button', { name: 'New maintenance window' }).click();
    await s.page.getByLabel('Window name').fill('Database upgrade');
    await s.page.getByLabel('Repeats (RRULE)').fill('FREQ=SOMETIMES');
    await s.page.getByLabel('Time zone').fill('Mars/Olympus');
    await s.page.getByRole('button', { name: 'Create maintenance window' }).click();
    for (const label of ['Repeats (RRULE)', 'Time zone']) {
      await s.page.locator('.field-invalid', { hasText: label }).getByRole('alert').waitFor();
    }
    await s.page.locator('fieldset .field-error').waitFor();
    await s.assertAccessible('maintenance windows (refused)');

    await s.page.getByLabel('Repeats (RRULE)').fill('FREQ=WEEKLY;BYDAY=SU');
    await s.page.getByLabel('Time zone').fill('Europe/Berlin');
    await s.page.getByLabel('Checkout API').check();
    await s.page.getByRole('button', { name: 'Create maintenance window' }).click();
    const row = s.page.getByRole('row', { name: /Database upgrade/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Checkout API/);
    assert.match((await row.textContent()) ?? '', /FREQ=WEEKLY;BYDAY=SU \(Europe\/Berlin\)/);
    await s.assertAccessible('maintenance windows');
    await screenshot(s.page, 'dashboard-maintenance');

    // The API holds what the form sent.
    const res = await s.platform.api.request('GET', `/api/v1/maintenance-windows`, {
      token: await accessTokenOf(s.page),
    });
    const [window] = (res.body as { items: Record<string, unknown>[] }).items;
    assert.deepEqual(
      {
        name: window?.name,
        monitorIds: window?.monitorIds,
        recurrence: window?.recurrence,
        timeZone: window?.timeZone,
      },
      {
        name: 'Database upgrade',
        monitorIds: [monitorId],
        recurrence: 'FREQ=WEEKLY;BYDAY=SU',
        timeZone: 'Europe/Berlin',
      },
    );
    const hour = Date.parse(String(window?.endsAt)) - Date.parse(String(window?.startsAt));
    assert.equal(hour, 3_600_000, 'the form proposes a one-hour window');

    // Edited, then deleted.
    await s.page.getByRole('button', { name: 'Edit Database upgrade' }).click();
    await s.page.getByLabel('Window name').fill('Database upgrade v2');
    await s.page.getByRole('button', { name: 'Save maintenance window' }).click();
    await s.page.getByRole('row', { name: /Database upgrade v2/ }).waitFor();
    s.page.once('dialog', (d) => void d.accept());
    await s.page.getByRole('button', { name: 'Delete Database upgrade v2' }).click();
    await s.page.getByRole('cell', { name: 'No maintenance windows yet.' }).waitFor();
    assert.deepEqual(s.pageErrors, [], 'no console error or CSP refusal');
  });

  it('creates a team, works in it, invites a member and goes back to the personal team', async () => {
    await s.page.getByRole('link', { name: 'Teams' }).click();
    await s.page.getByRole('heading', { name: 'Teams', exact: true }).waitFor();
    await s.page.getByRole('button', { name: 'Create team' }).click();
    await s.page.locator('.field-invalid', { hasText: 'Team name' }).getByRole('alert').waitFor();
    await s.page.getByLabel('Team name').fill('Ops');
    await s.page.getByRole('button', { name: 'Create team' }).click();
    await s.page.getByRole('button', { name: 'Switch to Ops' }).click();
    await s.page.getByRole('heading', { name: 'Members of Ops' }).waitFor();

    await s.page.getByLabel('Email to invite').fill('not-an-email');
    await s.page.getByRole('button', { name: 'Send invitation' }).click();
    await s.page
      .locator('.field-invalid', { hasText: 'Email to invite' })
      .getByRole('alert')
      .waitFor();
    await s.page.getByLabel('Email to invite').fill('colleague@example.com');
    await s.page.getByLabel('Invited role').selectOption('viewer');
    await s.page.getByRole('button', { name: 'Send invitation' }).click();
    const link = s.page.locator('[role="status"] code', { hasText: '/invitations/' });
    await link.waitFor();
    // Listed as pending (without its link), until revoked: then the link answers 404.
    const pending = s.page
      .getByRole('region', { name: 'Pending invitations' })
      .getByRole('row', { name: /colleague@example\.com/ });
    await pending.waitFor();
    assert.match((await pending.textContent()) ?? '', /viewer/);
    await s.assertAccessible('teams');
    await screenshot(s.page, 'dashboard-teams');
    const page = `${s.platform.baseUrl}/invitations/${tokenOf((await link.textContent()) ?? '')}`;
    assert.equal((await fetch(page)).status, 200);
    s.page.once('dialog', (d) => void d.accept());
    await s.page
      .getByRole('button', { name: 'Revoke the invitation of colleague@example.com' })
      .click();
    await s.page.getByRole('cell', { name: 'No pending invitations.' }).waitFor();
    assert.equal((await fetch(page)).status, 404, 'a revoked link stops working');
    await s.assertAccessible('teams (invitation revoked)');

    // The monitors screen now lists Ops's monitors (none), not the personal team's.
    await s.page.getByRole('link', { name: 'Monitors', exact: true }).click();
    await s.page.getByRole('heading', { name: 'Monitors' }).waitFor();
    await s.page
      .getByText(/No monitors/)
      .first()
      .waitFor();
    assert.equal(await s.page.getByRole('link', { name: 'Checkout API' }).count(), 0);

    // Back in the personal team, its monitor is there again.
    await s.page.getByRole('link', { name: 'Teams' }).click();
    await s.page.getByRole('button', { name: /^Switch to / }).click();
    await s.page.getByRole('link', { name: 'Monitors', exact: true }).click();
    await s.page.getByRole('link', { name: 'Checkout API' }).waitFor();
    assert.deepEqual(s.pageErrors, [], 'no console error or CSP refusal');
  });

  it('renames a team, its refusal shown at the field, then deletes it', async () => {
    await s.page.getByRole('link', { name: 'Teams' }).click();
    await s.page.getByLabel('Team name', { exact: true }).fill('Staging');
    await s.page.getByRole('button', { name: 'Create team' }).click();
    await s.page.getByRole('button', { name: 'Switch to Staging' }).click();
    await s.page.getByRole('heading', { name: 'Settings of Staging' }).waitFor();

    await s.page.getByLabel('New name').fill('');
    await s.page.getByRole('button', { name: 'Rename team' }).click();
    await s.page.locator('.field-invalid', { hasText: 'New name' }).getByRole('alert').waitFor();
    await s.assertAccessible('team settings (refused)');
    await s.page.getByLabel('New name').fill('Staging EU');
    await s.page.getByRole('button', { name: 'Rename team' }).click();
    await s.page.getByRole('heading', { name: 'Members of Staging EU' }).waitFor();
    await s.page.getByRole('row', { name: /Staging EU.*Active/ }).waitFor();
    await s.assertAccessible('team settings');

    const teamsOf = async () => {
      const res = await s.platform.api.request('GET', '/api/v1/teams', {
        token: await accessTokenOf(s.page),
      });
      return (res.body as { items: { name: string }[] }).items.map((t) => t.name);
    };
    assert.ok((await teamsOf()).includes('Staging EU'), 'the API holds the new name');

    // Deleted after a confirmation: the dashboard is back in the personal team.
    s.page.once('dialog', (d) => void d.accept());
    await s.page.getByRole('button', { name: 'Delete team' }).click();
    await s.page.getByRole('row', { name: /\(personal\).*Active/ }).waitFor();
    // The teams list is read again after the switch: the row goes with that answer.
    await s.page.getByRole('row', { name: /Staging EU/ }).waitFor({ state: 'detached' });
    assert.ok(!(await teamsOf()).includes('Staging EU'), 'the API has no such team');
    // The personal team can be renamed, never deleted.
    await s.page.getByRole('button', { name: 'Rename team' }).waitFor();
    assert.equal(await s.page.getByRole('button', { name: 'Delete team' }).count(), 0);
    assert.deepEqual(s.pageErrors, [], 'no console error or CSP refusal');
  });

  it("asks for every listed monitor's sparkline in one request", async () => {
    const token = await accessTokenOf(s.page);
    const ids = [monitorId];
    for (const name of ['Search API', 'Billing API']) {
      const res = await s.platform.api.request('POST', '/api/v1/monitors', {
        token,
        body: { name, url: s.target.url(name.replace(' ', '-')), intervalSeconds: 60 },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.push((res.body as { id: string }).id);
    }
    const asked: URL[] = [];
    const onRequest = (r: Request) => {
      const url = new URL(r.url());
      if (url.pathname.endsWith('/response-times')) asked.push(url);
    };
    s.page.on('request', onRequest);
    try {
      const answered = s.page.waitForResponse((r) =>
        r.url().includes('/api/v1/monitors/response-times?'),
      );
      await s.page.getByRole('link', { name: 'Monitors', exact: true }).click();
      assert.equal((await answered).status(), 200);
      for (const name of ['Checkout API', 'Search API', 'Billing API'])
        await s.page
          .getByRole('img', { name: new RegExp(`^Latency of ${name} over 24 h`) })
          .waitFor();
      // A dashboard poll later (5 s), still the one request: none per monitor, none per poll.
      await s.page.waitForResponse((r) => r.url().endsWith('/api/v1/dashboard'));
    } finally {
      s.page.off('request', onRequest);
    }
    assert.deepEqual(
      asked.map((u) => u.pathname),
      ['/api/v1/monitors/response-times'],
    );
    assert.deepEqual(asked[0]!.searchParams.get('ids')!.split(',').sort(), [...ids].sort());
    assert.deepEqual(s.pageErrors, [], 'no console error or CSP refusal');
  });

  it('fits a phone screen in the dark theme, each new screen still passing axe', async () => {
    await s.page.setViewportSize({ width: 390, height: 844 });
    await s.page.emulateMedia({ colorScheme: 'dark' });
    for (const [link, heading] of [
      ['API keys', 'API keys'],
      ['Maintenance', 'Maintenance windows'],
      ['Teams', 'Teams'],
    ] as const) {
      await s.page.getByRole('link', { name: link, exact: true }).click();
      await s.page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await s.page.locator('tbody tr:not([aria-hidden])').first().waitFor();
      const overflow = await sidewaysOverflow(s.page);
      assert.ok(overflow <= 0, `${heading} scrolls sideways by ${overflow} px on a phone`);
      await s.assertAccessible(`${heading} (phone, dark)`);
    }
    await screenshot(s.page, 'dashboard-teams-phone-dark');
    assert.deepEqual(s.pageErrors, [], 'no console error or CSP refusal');
  });
});
