import { type FormEvent, useState } from 'react';
import { ApiError, auth } from '../api';
import { messageOf } from '../hooks';
import { Link } from '../router';
import { ErrorNote, Field } from '../ui';

/** Sign in, or create an account (`/register`) and sign in with it. */
export function SignIn({ register }: { register: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      await (register ? auth.register(email, password) : auth.signIn(email, password));
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) setFieldErrors(err.fieldErrors);
      else
        setError(
          err instanceof ApiError && err.status === 401
            ? 'Wrong email or password.'
            : messageOf(err),
        );
    } finally {
      setBusy(false);
    }
  };

  const title = register ? 'Create an account' : 'Sign in';
  return (
    <main id="main" className="auth-page">
      <form className="card auth-card" onSubmit={(e) => void submit(e)} noValidate>
        <h1>{title}</h1>
        <Field label="Email" error={fieldErrors.email}>
          {(p) => (
            <input
              {...p}
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Password"
          error={fieldErrors.password}
          hint={register ? 'At least 8 characters.' : undefined}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              name="password"
              autoComplete={register ? 'new-password' : 'current-password'}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <ErrorNote error={error} />
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Please wait…' : title}
        </button>
        <p>
          {register ? (
            <>
              Have an account? <Link href="/">Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link href="/register">Create an account</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
