import { ParleyError } from '@parley/sdk';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../app/context.js';
import { LanguageSelect } from './LanguageSelect.js';

/** Sign in or create an account. */
export function AuthScreen({ expired }: { expired: boolean }) {
  const store = useStore();
  const { t } = useTranslation();
  const [mode, setMode] = useState<'in' | 'up'>(expired ? 'in' : 'up');
  const [username, setUsername] = useState(expired ? (store.client.user?.username ?? '') : '');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const [sso, setSso] = useState(false);
  useEffect(() => {
    let live = true;
    store.client.authProviders().then(
      (p) => live && setSso(p.oidc),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [store]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'up') {
        await store.register({
          username: username.trim(),
          password,
          ...(displayName.trim() ? { display_name: displayName.trim() } : {}),
        });
      } else {
        await store.login({ username: username.trim(), password });
      }
    } catch (err) {
      const code = err instanceof ParleyError ? err.code : 'generic';
      setError(t(`errors.${code}`, { defaultValue: t('errors.generic') }));
      setBusy(false);
    }
  };

  const title = mode === 'up' ? t('auth.signUp') : t('auth.signIn');
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="logo" aria-hidden="true" />
          <h1>{t('app.name')}</h1>
        </div>
        <p className="auth-welcome">{t('auth.welcome')}</p>
        {expired && (
          <p className="notice" role="status">
            {t('auth.expired')}
          </p>
        )}
        <form onSubmit={submit} aria-labelledby={`${id}-title`}>
          <h2 id={`${id}-title`}>{title}</h2>
          <label>
            <span>{t('auth.username')}</span>
            <input
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              minLength={3}
              maxLength={32}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          {mode === 'up' && (
            <label>
              <span>{t('auth.displayName')}</span>
              <input
                name="display_name"
                autoComplete="nickname"
                maxLength={80}
                value={displayName}
                onChange={(e) => setDisplayName(e.target.value)}
              />
            </label>
          )}
          <label>
            <span>{t('auth.password')}</span>
            <input
              name="password"
              type="password"
              autoComplete={mode === 'up' ? 'new-password' : 'current-password'}
              required
              minLength={mode === 'up' ? 8 : 1}
              value={password}
              aria-describedby={mode === 'up' ? `${id}-hint` : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
            {mode === 'up' && (
              <small id={`${id}-hint`} className="hint">
                {t('auth.passwordHint')}
              </small>
            )}
          </label>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('auth.working') : title}
          </button>
        </form>
        {sso && (
          <p className="auth-sso">
            <span>{t('auth.or')}</span>{' '}
            <a className="button" href="/v1/auth/oidc/start?return_to=%2F">
              {t('auth.sso')}
            </a>
          </p>
        )}
        <p className="auth-switch">
          {mode === 'up' ? t('auth.haveAccount') : t('auth.noAccount')}{' '}
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === 'up' ? 'in' : 'up');
              setError(null);
            }}
          >
            {mode === 'up' ? t('auth.signIn') : t('auth.signUp')}
          </button>
        </p>
        <LanguageSelect />
      </div>
    </main>
  );
}
