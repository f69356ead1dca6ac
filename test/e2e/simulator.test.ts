import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { User, type Sfd } from '../../src/accounts/entities';
import { UssdSessionLog } from '../../src/ussd/entities';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSfd, phone } from '../helpers/factories';

/**
 * GET /simulator in headless Chromium, used as a person would: dial *123# on the keypad, register a
 * new client through the menus, see the END screen; the client is then in the database, and the welcome
 * SMS shows under the phone. Demo mode with the console sender, as `npm start` runs it.
 */
const CHROMIUM = '/usr/bin/chromium';

jest.setTimeout(60_000);

let t: TestApp;
let sfd: Sfd;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: this test drives the web simulator in Debian's Chromium. ` +
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
    ],
  });
  t = await startTestApp({ DEMO_MODE: 'true' }, { sms: 'provider' });
  sfd = await makeSfd(t, 'WEB');
  base = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

interface WebPhone {
  page: Page;
  /** Page errors and CSP violations: the inline script must run under the route's policy. */
  problems: string[];
}

async function openSimulator(number: string): Promise<WebPhone> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  const res = await page.goto(`${base}/simulator`);
  expect(res?.status()).toBe(200);
  expect(res?.headers()['content-security-policy']).toContain("script-src 'unsafe-inline'");
  await page.fill('#phone', number);
  return { page, problems };
}

/** Taps keys on the keypad, one click each. */
async function tap(page: Page, keys: string): Promise<void> {
  for (const key of keys) await page.click(`#keys button[data-key="${key}"]`);
}

/** Presses the call/send button, waits for the gateway's answer, returns the screen's text. */
async function send(page: Page, hop: number): Promise<string> {
  await page.click('#send');
  return screenAt(page, hop);
}

async function screenAt(page: Page, hop: number): Promise<string> {
  await page.waitForSelector(`#screen[data-hop="${hop}"]:not([data-state="waiting"])`, { timeout: 10_000 });
  return (await page.textContent('#screen')) ?? '';
}

/** The SMS listed under the phone (the page polls every 2 s), once one contains `text`. */
async function smsListed(page: Page, text: string): Promise<string[]> {
  const texts = page.locator('#sms li .text');
  await texts.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
  return texts.allTextContents();
}

async function sessionLogs(number: string): Promise<UssdSessionLog[]> {
  // The page notifies /ussd/events without waiting for it: poll briefly.
  for (let i = 0; i < 50; i++) {
    const logs = await t.deps.db.manager.find(UssdSessionLog, { where: { phone: number } });
    if (logs.length > 0) return logs;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

describe('GET /simulator (headless Chromium)', () => {
  it('registers a new client through the keypad and the entry field', async () => {
    const number = phone();
    const { page, problems } = await openSimulator(number);

    await tap(page, '*123#');
    expect(await page.inputValue('#entry')).toBe('*123#');
    expect(await send(page, 1)).toBe("Bienvenue sur TontiFlex\n1. S'inscrire\n9. English");
    expect(await page.getAttribute('#screen', 'data-state')).toBe('con');
    expect(await page.textContent('#state')).toBe('En attente de saisie');
    await page.waitForSelector('#sms-note:text("Aucun SMS pour ce numero.")');

    await tap(page, '1');
    expect(await send(page, 2)).toBe('Inscription\nEntrez votre nom de famille:\n0. Retour 00. Accueil');

    await page.fill('#entry', 'houngbédji');
    await page.press('#entry', 'Enter');
    expect(await screenAt(page, 3)).toBe('Entrez votre prenom:\n0. Retour 00. Accueil');

    await page.fill('#entry', 'Afiavi');
    expect(await send(page, 4)).toBe(`Choisissez votre SFD:\n1. ${sfd.name}\n0. Retour 00. Accueil`);

    await tap(page, '1');
    expect(await send(page, 5)).toMatch(/^Numero de votre piece d'identite .*\n1\. Passer cette etape\n/);

    await tap(page, '1');
    expect(await send(page, 6)).toBe('Choisissez un code PIN secret a 4 chiffres:\n0. Retour 00. Accueil');

    await tap(page, '5820');
    expect(await send(page, 7)).toBe('Confirmez votre code PIN:\n0. Retour 00. Accueil');

    await tap(page, '5820');
    expect(await send(page, 8)).toBe(
      "Bienvenue Afiavi ! Votre compte TontiFlex est cree. Passez a votre agence avec votre piece d'identite pour le valider.",
    );
    expect(await page.getAttribute('#screen', 'data-state')).toBe('end');
    expect(await page.textContent('#state')).toBe('Session terminee');
    expect(await page.isVisible('#screen')).toBe(true);

    // The welcome SMS, as the console sender delivered it to this number.
    expect(await smsListed(page, 'Bienvenue sur TontiFlex, Afiavi')).toEqual([
      `Bienvenue sur TontiFlex, Afiavi ! Votre compte chez ${sfd.name} est cree. Passez en agence avec votre piece d'identite pour le valider.`,
    ]);
    expect(await page.getAttribute('#sms li', 'data-kind')).toBe('info');

    const user = await t.deps.db.manager.findOneByOrFail(User, { phone: number });
    expect(user).toMatchObject({
      firstName: 'Afiavi',
      lastName: 'Houngbédji',
      role: 'client',
      sfdId: sfd.id,
      status: 'active',
      kycStatus: 'pending',
      language: 'fr',
    });
    expect(user.pinHash).toEqual(expect.any(String));

    const logs = await sessionLogs(number);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ status: 'Success', serviceCode: '*123#', hops: 8, flow: 'registration' });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an SMS as text, never as markup', async () => {
    const number = phone();
    const { page, problems } = await openSimulator(number);
    const body = '<img src=x id=injected onerror="document.title=1"> <b>gras</b>';
    await t.deps.outbox.queue(t.deps.db.manager, { to: number, kind: 'info', lang: 'fr', body });
    expect(await smsListed(page, 'gras')).toEqual([body]);
    expect(await page.$('#injected')).toBeNull();
    expect(await page.$('#sms b')).toBeNull();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('hangs up mid-session with "Fin": the session is logged Incomplete', async () => {
    const number = phone();
    const { page, problems } = await openSimulator(number);
    await page.fill('#entry', '*123#');
    expect(await send(page, 1)).toContain('Bienvenue sur TontiFlex');
    await page.click('#hang');
    await page.waitForSelector('#screen[data-state="idle"]');
    expect(await page.textContent('#screen')).toBe('Appel termine.');
    expect(await page.textContent('#state')).toBe('Aucune session');

    const logs = await sessionLogs(number);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ status: 'Incomplete', hops: 1, flow: 'registration' });
    expect(await t.deps.db.manager.countBy(User, { phone: number })).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
