import { ParleyError } from '@parley/sdk';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Runs an async action with a busy flag and a translated error message. */
export function useAction() {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      const code = err instanceof ParleyError ? err.code : 'generic';
      setError(t(`errors.${code}`, { defaultValue: t('errors.generic') }));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
