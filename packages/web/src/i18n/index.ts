import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.js';
import { ko } from './ko.js';
import { pickLanguage } from './lang.js';

export { LANGUAGES, type Language } from './lang.js';

const STORE_KEY = 'parley.lang';

/** Creates the i18next instance of the app (one per app, no global registration). */
export function createI18n(): i18n {
  const saved = safeGet(STORE_KEY);
  const lng = pickLanguage(saved, navigator.languages ?? [navigator.language]);
  const inst = i18next.createInstance();
  inst.use(initReactI18next).init({
    resources: { en: { translation: en }, ko: { translation: ko } },
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
    initAsync: false,
  });
  document.documentElement.lang = lng;
  inst.on('languageChanged', (l) => {
    document.documentElement.lang = l;
    safeSet(STORE_KEY, l);
  });
  return inst;
}

function safeGet(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
function safeSet(k: string, v: string): void {
  try {
    localStorage.setItem(k, v);
  } catch {
    // storage may be unavailable (private mode); the choice then lasts for this page
  }
}
