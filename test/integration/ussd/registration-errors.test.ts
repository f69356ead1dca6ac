import { User } from '../../../src/accounts/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, phone } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

/**
 * The registration screens that take typed text say what is wrong with a refused input (meta
 * `invalid`) instead of "Choix invalide.", stay on the same screen, and keep nothing of it.
 */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await makeSfd(t, 'RGE');
});
afterAll(() => t.close());

const LAST_NAME = 'Inscription\nEntrez votre nom de famille:\n0. Retour 00. Accueil';
const FIRST_NAME = 'Entrez votre prenom:\n0. Retour 00. Accueil';

/** A new phone on the last-name screen. */
async function atLastName(lang: 'fr' | 'en' = 'fr'): Promise<Phone> {
  const p = new Phone(t, phone());
  await p.dial();
  if (lang === 'en') await p.send('9');
  await p.send('1');
  return p;
}

describe('the last-name screen', () => {
  it.each([
    ['a line feed', 'Awa\nKoffi'],
    ['a right-to-left override', 'Houngbo\u202e'],
    ['a BEL', 'Houn\u0007gbo'],
    ['a <script>', '<script>'],
    ['digits', 'R2D2'],
    ['one letter', 'H'],
  ])('refuses a name with %s: says what a name is, same screen, nothing kept', async (_, value) => {
    const p = await atLastName();
    expect(await p.send(value)).toBe(`CON Nom invalide: 2 a 40 lettres.\n${LAST_NAME}`);
    // Still on the last-name screen: a good name is taken and leads on to the first name.
    expect(await p.send('houngbo')).toBe(`CON ${FIRST_NAME}`);
    expect(await t.deps.db.manager.countBy(User, { phone: p.number })).toBe(0);
  });

  it('says it in English to an English caller', async () => {
    const p = await atLastName('en');
    expect(await p.send('<b>')).toBe(
      'CON Invalid name: 2 to 40 letters.\nRegistration\nEnter your last name:\n0. Back 00. Home',
    );
  });

  it('still ends the session after three refused inputs in a row', async () => {
    const p = await atLastName();
    await p.sendAll('<x>', 'R2D2');
    expect(await p.send('\u202e')).toMatch(/^END Trop de saisies invalides\./);
  });
});

describe('the first-name and ID-number screens', () => {
  it('refuse a bad first name, then a bad ID number, each with its own line; 1 still skips the ID', async () => {
    const p = await atLastName();
    await p.send('Houngbo');
    expect(await p.send('Awa\u2066')).toBe(`CON Prenom invalide: 2 a 40 lettres.\n${FIRST_NAME}`);
    expect(await p.send('Awa')).toMatch(/^CON Choisissez votre SFD:\n1\. SFD RGE\n/);
    expect(await p.send('1')).toMatch(/^CON Numero de votre piece d'identite/);
    expect(await p.send('AB<12>')).toBe(
      "CON Numero invalide: 5 a 20 lettres ou chiffres.\nNumero de votre piece d'identite (CNI, passeport)\n1. Passer cette etape\n0. Retour 00. Accueil",
    );
    expect(await p.send('1')).toMatch(/^CON Choisissez un code PIN secret a 4 chiffres:/);
  });

  it('are in English too', async () => {
    const p = await atLastName('en');
    await p.send('Houngbo');
    expect(await p.send('A')).toMatch(/^CON Invalid first name: 2 to 40 letters\.\nEnter your first name:/);
    await p.sendAll('Awa', '1');
    expect(await p.send('12')).toMatch(
      /^CON Invalid number: 5 to 20 letters or digits\.\nYour ID document number/,
    );
  });
});

it('keeps "Choix invalide." on the screens without a line of their own', async () => {
  const p = await atLastName();
  await p.sendAll('Houngbo', 'Awa');
  expect(await p.send('9')).toMatch(/^CON Choix invalide\.\nChoisissez votre SFD:/);
});
