import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { User } from '../../src/accounts/entities';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../helpers/factories';

/**
 * GET /docs (Swagger UI) in headless Chromium, used as an integrator would: authorize with a real access
 * token, try GET /api/accounts/me/, read the answer. Offline: the page loads nothing from any other
 * host (branches have poor connectivity; Swagger UI is served from swagger-ui-dist).
 */
const CHROMIUM = '/usr/bin/chromium';
/**
 * Another name for 127.0.0.1 (Chromium's host resolver maps it), served over HTTPS with a throwaway
 * self-signed certificate: the page as a real deployment serves it (Swagger UI treats localhost and
 * 127.0.0.1 apart, and the app's CSP upgrades a plain-HTTP page's assets to HTTPS off loopback).
 */
const OTHER_NAME = 'docs.tontiflex.test';

jest.setTimeout(60_000);

let t: TestApp;
let browser: Browser;
let port: number;
let tls: HttpsServer;
let tlsPort: number;
let client: User;
let access: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: this test drives Swagger UI in Debian's Chromium. ` +
        'Install it with `apt-get install -y chromium` (.ci/run does it before the tests).',
    );
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${OTHER_NAME} 127.0.0.1`,
    ],
  });
  t = await startTestApp();
  port = (t.server.address() as AddressInfo).port;
  // The same app behind TLS: the HTTPS server hands each request to the app's own server.
  const dir = mkdtempSync(join(tmpdir(), 'tontiflex-docs-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${OTHER_NAME}`,
        '-addext',
        `subjectAltName=DNS:${OTHER_NAME}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    tls = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => t.server.emit('request', req, res),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  tlsPort = (tls.address() as AddressInfo).port;
  const sfd = await makeSfd(t, 'DOCS');
  client = await makeUser(t, 'client', sfd); // with the factories' PIN
  access = await tokenFor(t, client); // POST /api/accounts/login/ with phone and PIN
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (tls ? tls.close(resolve) : resolve(undefined)));
  await t?.close();
});

interface DocsPage {
  context: BrowserContext;
  page: Page;
  /** Requests to any host but the app's own (refused, so the test never waits on the network). */
  external: string[];
  /** Page errors and CSP violations. */
  problems: string[];
}

/**
 * Swagger UI virtualizes the operation list once it holds 150 tags and operations (only what is on
 * screen is in the DOM): a test reaches an operation by its deep link, as a reader's bookmark would.
 */
const ME = '#/accounts/getApiAccountsMe';

async function openDocs(origin: string, hash = ''): Promise<DocsPage> {
  const host = new URL(origin).hostname;
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const external: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === host || url.hostname === '127.0.0.1') return route.continue();
    external.push(url.href);
    return route.abort();
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (/^(https?|wss?):$/.test(url.protocol) && url.hostname !== host && url.hostname !== '127.0.0.1') {
      if (!external.includes(url.href)) external.push(url.href);
    }
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  const res = await page.goto(`${origin}/docs${hash}`);
  expect(res?.status()).toBe(200);
  // Swagger UI has fetched and rendered the document.
  await page.locator('.swagger-ui .info .title').waitFor({ timeout: 15_000 });
  return { context, page, external, problems };
}

/** The operation's block in the list, by method and documented path. */
function operation(page: Page, method: string, path: string) {
  return page.locator(`.opblock.opblock-${method}`).filter({
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
}

describe('GET /docs (headless Chromium)', () => {
  it('authorizes with an access token and tries GET /api/accounts/me/: 200 with the user', async () => {
    const { context, page, external, problems } = await openDocs(`http://127.0.0.1:${port}`, ME);
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('TontiFlex API');

    await page.locator('.scheme-container button.authorize', { hasText: 'Authorize' }).click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    const bearer = dialog.locator('.auth-container').filter({ hasText: 'bearerAuth' });
    await bearer.locator('input').fill(access);
    await bearer.locator('button.authorize', { hasText: 'Authorize' }).click();
    // Authorized: the form gives way to a Logout button.
    await bearer.locator('button', { hasText: 'Logout' }).waitFor();
    await bearer.locator('button', { hasText: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The page again at the operation's deep link (the token persists: persistAuthorization).
    await page.reload();
    const me = operation(page, 'get', '/api/accounts/me/');
    const summary = me.locator('.opblock-summary-control').first();
    await summary.waitFor();
    if ((await summary.getAttribute('aria-expanded')) !== 'true') await summary.click();
    await me.getByRole('button', { name: 'Try it out' }).click();
    await me.getByRole('button', { name: 'Execute' }).click();

    const live = me.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 15_000 });
    expect((await live.locator('.response-col_status').first().textContent())?.trim()).toBe('200');
    const body = (await live.locator('.response-col_description pre').first().textContent()) ?? '';
    expect(body).toContain(client.phone);
    expect(JSON.parse(body)).toMatchObject({ id: client.id, phone: client.phone, role: 'client' });

    expect(external).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('loads nothing from another host when served under a real host name (no validator badge)', async () => {
    // Off localhost, Swagger UI's default shows an image from validator.swagger.io (docs.ts turns it off).
    const { context, page, external, problems } = await openDocs(`https://${OTHER_NAME}:${tlsPort}`, ME);
    await operation(page, 'get', '/api/accounts/me/').waitFor();
    expect(
      await page.locator('.swagger-ui img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src'))),
    ).toEqual([]);
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
