import { type ReactNode, useEffect, useState } from 'react';
import { activeTeam, api } from '../api';
import { messageOf, type Polled, usePolling, useRemoval, useSubmission } from '../hooks';
import {
  type Invitation,
  type InvitationCreated,
  type Member,
  type Team,
  TEAM_ROLES,
  type TeamRole,
} from '../types';
import { DataTable, ErrorNote, Field, when } from '../ui';

/** The caller's teams: which one the dashboard acts in, new teams, and the active team's members. */
export function Teams() {
  const teams = usePolling(() => api.get<{ items: Team[] }>('/teams'), []);
  const [active, setActive] = useState(activeTeam.get());
  const items = teams.data?.items;
  // The stored team, or the personal one when none is stored (or it is no longer the caller's).
  const current = items?.find((t) => t.id === active) ?? items?.find((t) => t.personal);

  useEffect(() => {
    if (items && active && !items.some((t) => t.id === active)) choose(null);
  }, [items, active]);

  function choose(teamId: string | null) {
    activeTeam.set(teamId);
    setActive(teamId);
  }

  return (
    <section>
      <h1>Teams</h1>
      <NameForm
        title="New team"
        label="Team name"
        submitLabel="Create team"
        onSubmit={(name) => api.post('/teams', { name }).then(teams.reload)}
      />
      <ErrorNote error={teams.error} />
      <DataTable
        label="Your teams"
        columns={['Team', 'Your role', 'Created', 'Active']}
        rows={items}
        loadingRows={2}
      >
        {items?.map((t) => (
          <tr key={t.id} aria-current={t.id === current?.id ? 'true' : undefined}>
            <td>
              {t.name}
              {t.personal && <span className="muted"> (personal)</span>}
            </td>
            <td>{t.role}</td>
            <td>{when(t.createdAt)}</td>
            <td>
              {t.id === current?.id ? (
                <strong>Active</strong>
              ) : (
                <button
                  type="button"
                  onClick={() => choose(t.personal ? null : t.id)}
                  aria-label={`Switch to ${t.name}`}
                >
                  Switch
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {current && (
        <Members
          key={current.id}
          team={current}
          onTeamChanged={teams.reload}
          onTeamDeleted={() => {
            choose(null);
            teams.reload();
          }}
        />
      )}
    </section>
  );
}

/** Rename (admins and owners) and delete (owners; never the personal team) the active team. */
function TeamSettings({
  team,
  onChanged,
  onDeleted,
}: {
  team: Team;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const [name, setName] = useState(team.name);
  const removal = useRemoval(onDeleted);
  // A rename elsewhere (another tab, the API) shows here once the list is read again.
  useEffect(() => setName(team.name), [team.name]);
  return (
    <>
      <FormCard
        title={`Settings of ${team.name}`}
        submitLabel="Rename team"
        onSubmit={async () => {
          await api.patch(`/teams/${team.id}`, { name });
          onChanged();
        }}
        extra={
          team.role === 'owner' &&
          !team.personal && (
            <button
              type="button"
              className="button-danger"
              onClick={() =>
                void removal.remove(
                  `Delete the team ${team.name} with its monitors and channels? Its members lose access to it. This cannot be undone.`,
                  `/teams/${team.id}`,
                )
              }
            >
              Delete team
            </button>
          )
        }
      >
        {(errors) => (
          <Field label="New name" error={errors.name}>
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
        )}
      </FormCard>
      <ErrorNote error={removal.error} />
    </>
  );
}

/** The active team's pending invitations, each revocable: its link then stops working. */
function PendingInvitations({
  team,
  invitations,
}: {
  team: Team;
  invitations: Polled<Invitations>;
}) {
  const removal = useRemoval(invitations.reload);
  const items = invitations.data?.items;
  return (
    <>
      <h2>Pending invitations to {team.name}</h2>
      <ErrorNote error={removal.error ?? invitations.error} />
      <DataTable
        label="Pending invitations"
        columns={['Email', 'Role', 'Invited', 'Expires', 'Actions']}
        rows={items}
        loadingRows={1}
        empty="No pending invitations."
      >
        {items?.map((i) => (
          <tr key={i.id}>
            <td>{i.email}</td>
            <td>{i.role}</td>
            <td>{when(i.createdAt)}</td>
            <td>{when(i.expiresAt)}</td>
            <td className="actions">
              <button
                type="button"
                className="button-danger"
                onClick={() =>
                  void removal.remove(
                    `Revoke the invitation of ${i.email}? Its link stops working.`,
                    `/teams/${team.id}/invitations/${i.id}`,
                  )
                }
                aria-label={`Revoke the invitation of ${i.email}`}
              >
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

type Invitations = { items: Invitation[] };

function Members({
  team,
  onTeamChanged,
  onTeamDeleted,
}: {
  team: Team;
  onTeamChanged: () => void;
  onTeamDeleted: () => void;
}) {
  const members = usePolling(
    () => api.get<{ items: Member[] }>(`/teams/${team.id}/members`),
    [team.id],
  );
  const manages = team.role === 'admin' || team.role === 'owner';
  // Only admins may list invitations, and nobody is invited to a personal team.
  const invites = manages && !team.personal;
  const invitations = usePolling(
    () =>
      invites
        ? api.get<Invitations>(`/teams/${team.id}/invitations`)
        : Promise.resolve<Invitations>({ items: [] }),
    [team.id, invites],
  );
  const [invited, setInvited] = useState<InvitationCreated | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (work: Promise<unknown>) => {
    setError(null);
    try {
      await work;
      members.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const remove = (m: Member) => {
    if (confirm(`Remove ${m.email} from ${team.name}?`))
      void act(api.delete(`/teams/${team.id}/members/${m.userId}`));
  };

  return (
    <>
      {manages && <TeamSettings team={team} onChanged={onTeamChanged} onDeleted={onTeamDeleted} />}
      <h2>Members of {team.name}</h2>
      {invites && (
        <Invite
          team={team}
          onInvited={(created) => {
            setInvited(created);
            invitations.reload();
          }}
        />
      )}
      {invited && (
        <div className="card" role="status">
          <p>
            Invited {invited.email} as {invited.role}
            {invited.emailSent ? ' (email sent)' : ' (no email sent: share the link)'}. The link is
            shown this once:
          </p>
          <p>
            <code>{invited.acceptUrl}</code>
          </p>
        </div>
      )}
      <ErrorNote error={error ?? members.error} />
      <DataTable
        label="Members"
        columns={['Email', 'Role', 'Joined', 'Actions']}
        rows={members.data?.items}
        loadingRows={2}
      >
        {members.data?.items.map((m) => (
          <tr key={m.userId}>
            <td>{m.email}</td>
            <td>
              {manages ? (
                <select
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  onChange={(e) =>
                    void act(
                      api.patch(`/teams/${team.id}/members/${m.userId}`, {
                        role: e.target.value,
                      }),
                    )
                  }
                >
                  {TEAM_ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              ) : (
                m.role
              )}
            </td>
            <td>{when(m.joinedAt)}</td>
            <td className="actions">
              {manages && (
                <button
                  type="button"
                  className="button-danger"
                  onClick={() => remove(m)}
                  aria-label={`Remove ${m.email}`}
                >
                  Remove
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {invites && <PendingInvitations team={team} invitations={invitations} />}
    </>
  );
}

function Invite({
  team,
  onInvited,
}: {
  team: Team;
  onInvited: (invitation: InvitationCreated) => void;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<TeamRole>('editor');
  return (
    <FormCard
      title="Invite a member"
      submitLabel="Send invitation"
      onSubmit={async () => {
        const created = await api.post<InvitationCreated>(`/teams/${team.id}/invitations`, {
          email,
          role,
        });
        setEmail('');
        onInvited(created);
      }}
    >
      {(errors) => (
        <>
          <Field label="Email to invite" error={errors.email}>
            {(p) => (
              <input
                {...p}
                type="email"
                autoComplete="off"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label="Invited role" error={errors.role}>
            {(p) => (
              <select {...p} value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
                {TEAM_ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            )}
          </Field>
        </>
      )}
    </FormCard>
  );
}

function NameForm(props: {
  title: string;
  label: string;
  submitLabel: string;
  onSubmit: (name: string) => Promise<unknown>;
}) {
  const [name, setName] = useState('');
  return (
    <FormCard
      title={props.title}
      submitLabel={props.submitLabel}
      onSubmit={async () => {
        await props.onSubmit(name);
        setName('');
      }}
    >
      {(errors) => (
        <Field label={props.label} error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
      )}
    </FormCard>
  );
}

/** A form card whose submit's refusal is shown at the fields it names, and as a whole. */
function FormCard({
  title,
  submitLabel,
  onSubmit,
  extra,
  children,
}: {
  title: string;
  submitLabel: string;
  onSubmit: () => Promise<void>;
  /** Shown after the submit button (another action on the same thing). */
  extra?: ReactNode;
  children: (errors: Record<string, string>) => ReactNode;
}) {
  const { errors, error, submit } = useSubmission();
  const send = async () => {
    await onSubmit();
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e, send)} noValidate>
      <h2>{title}</h2>
      <div className="grid">{children(errors)}</div>
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="button-primary">
          {submitLabel}
        </button>
        {extra}
      </div>
    </form>
  );
}
