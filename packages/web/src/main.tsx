import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { StoreContext } from './app/context.js';
import { ChatStore } from './app/store.js';
import { App } from './components/App.js';
import { createI18n } from './i18n/index.js';
import './styles/base.css';
import './styles/layout.css';
import './styles/sidebar.css';
import './styles/messages.css';
import './styles/composer.css';
import './styles/dialog.css';

// Composition root: one store (around one ParleyClient) and one i18n instance for the page.
const store = new ChatStore(location.origin);
const i18n = createI18n();
void store.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </I18nextProvider>
  </StrictMode>,
);
