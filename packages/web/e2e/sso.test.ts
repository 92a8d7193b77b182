/**
 * Sign-in with an identity provider from the web app: the SSO button appears only when the
 * server offers OIDC, and a real sign-in through a local oidc-provider lands signed in.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type TestServer } from '../../server/src/test/harness.js';
import { startProvider, type TestProvider } from '../../server/src/test/oidc-provider.js';
import { eventually, launchBrowser, newPage, startAppServer, uniqueName } from './helpers.js';

let server: TestServer;
let plain: TestServer;
let idp: TestProvider;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  idp = await startProvider(`http://127.0.0.1:${port}/v1/auth/oidc/callback`);
  server = await startAppServer({
    port,
    oidcIssuer: idp.issuer,
    oidcClientId: idp.clientId,
    oidcClientSecret: idp.clientSecret,
    oidcAllowHttp: true,
  });
  plain = await startAppServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await plain?.close();
  await idp?.close();
});

describe('single sign-on', () => {
  it('offers the button only when the server has OIDC', async () => {
    const { page } = await newPage(browser);
    await page.goto(plain.url);
    await page.getByRole('button', { name: 'Create account' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in with your organization' }).count()).toBe(
      0,
    );
  });

  it('signs in through the identity provider and lands in the app', async () => {
    const name = uniqueName('sso');
    idp.signInAs({ sub: name, name: 'Single Sign-On' });
    const { page } = await newPage(browser);
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Sign in with your organization' }).click();
    await eventually(async () => {
      expect(new URL(page.url()).hash).toBe('');
      expect(await page.getByRole('button', { name: 'Create account' }).count()).toBe(0);
      expect(await page.getByText('Single Sign-On').count()).toBeGreaterThan(0);
    }, 15_000);
  });
});
