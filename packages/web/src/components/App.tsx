import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore, useTopics } from '../app/context.js';
import { local } from '../app/local.js';
import { navigate, useRoute } from '../app/router.js';
import { AuthScreen } from './AuthScreen.js';
import { Shell } from './Shell.js';

const INVITE_KEY = 'parley.invite';

/** Signed out: the sign-in screen; signed in: the messenger. Keeps a pending invite code. */
export function App() {
  const store = useStore();
  const { t } = useTranslation();
  useTopics('auth');
  const route = useRoute();

  useEffect(() => {
    if (route.name === 'invite') local.set(INVITE_KEY, route.code);
  }, [route]);

  useEffect(() => {
    if (store.auth !== 'signed-in') return;
    const code = local.get(INVITE_KEY);
    if (!code) return;
    local.remove(INVITE_KEY);
    store.joinInvite(code).then(
      () => navigate('/', true),
      () => {
        navigate('/', true);
        window.alert(t('errors.invalid_invite'));
      },
    );
  }, [store, store.auth, t]);

  if (store.auth === 'loading') {
    return (
      <div className="splash" role="status">
        {t('app.loading')}
      </div>
    );
  }
  if (store.auth === 'signed-out') return <AuthScreen expired={store.expired} />;
  return <Shell />;
}
