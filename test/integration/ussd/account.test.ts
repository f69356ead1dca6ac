import { User } from '../../../src/accounts/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';
import type { Sfd } from '../../../src/accounts/entities';

let t: TestApp;
let sfd: Sfd;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'ACC');
});
afterAll(() => t.close());

async function clientPhone(fields: Partial<User> = {}) {
  const user = await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Houngbo', ...fields });
  return { user, p: new Phone(t, user.phone) };
}

const MAIN_FR =
  'CON TontiFlex\n1. Cotiser\n2. Mes soldes\n3. Rejoindre une tontine\n4. Epargne\n5. Prets\n6. Mon compte\n7. Aide';
const ACCOUNT_FR =
  'CON Mon compte\n1. Langue\n2. Changer PIN\n3. PIN oublie\n4. Mes informations\n0. Retour 00. Accueil';

describe('main menu of a known client', () => {
  it('is exactly the product menu, browsable without a PIN', async () => {
    const { p } = await clientPhone();
    expect(await p.dial()).toBe(MAIN_FR);
    expect(await p.send('6')).toBe(ACCOUNT_FR);
  });

  it('takes 5 to Prets, which tells a client without savings why no loan is possible', async () => {
    const { p } = await clientPhone();
    await p.dial();
    expect(await p.send('5')).toBe(
      'END Pret impossible: il faut un compte epargne actif depuis au moins 90 jours. Choisissez 4 au menu pour ouvrir un compte epargne.',
    );
  });

  it('shows my information: name, SFD and KYC status', async () => {
    const { p } = await clientPhone({ kycStatus: 'verified' });
    await p.dial();
    expect(await p.sendAll('6', '4')).toBe(
      `CON Awa Houngbo\nSFD: ${sfd.name}\nIdentite: verifiee\n0. Retour 00. Accueil`,
    );
  });

  it('refuses a suspended client and a staff phone', async () => {
    const { p } = await clientPhone({ status: 'suspended' });
    expect(await p.dial()).toBe('END Votre compte est suspendu. Contactez votre agence.');
    const agent = await makeUser(t, 'agent_sfd', sfd);
    expect(await new Phone(t, agent.phone).dial()).toMatch(/^END Ce service est reserve aux clients/);
  });

  it('asks a client registered at a branch (no PIN yet) to choose one first', async () => {
    const { user, p } = await clientPhone({ pinHash: null });
    expect(await p.dial()).toMatch(/^CON Bienvenue sur TontiFlex\. Choisissez votre code PIN/);
    await p.send('2580');
    expect(await p.send('2580')).toBe(`CON PIN enregistre.\n${MAIN_FR.slice(4)}`);
    const stored = await t.deps.db.manager.findOneByOrFail(User, { id: user.id });
    expect(stored.pinHash).toMatch(/^scrypt\$/);
  });
});

describe('language switch', () => {
  it('changes the stored language and the menus at once', async () => {
    const { user, p } = await clientPhone();
    await p.dial();
    expect(await p.sendAll('6', '1')).toMatch(/^CON Langue\n1\. Francais\n2\. English/);
    expect(await p.send('2')).toMatch(/^CON Language saved\.\nTontiFlex\n1\. Contribute/);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: user.id })).language).toBe('en');
    expect(await p.dial()).toMatch(/^CON TontiFlex\n1\. Contribute/);
    expect(await p.sendAll('6', '1', '1')).toMatch(/^CON Langue enregistree\.\nTontiFlex\n1\. Cotiser/);
  });
});

describe('PIN change', () => {
  it('checks the old PIN, then takes the new one twice', async () => {
    const { user, p } = await clientPhone();
    await p.dial();
    expect(await p.sendAll('6', '2')).toMatch(/^CON Entrez votre PIN actuel:/);
    expect(await p.send('9035')).toMatch(/^CON PIN incorrect\. Entrez votre PIN actuel:/);
    expect(await p.send(PIN)).toMatch(/^CON Entrez votre nouveau PIN a 4 chiffres:/);
    await p.send('3068');
    expect(await p.send('3068')).toBe('END Votre PIN a ete modifie.');
    const login = await t.request.post('/api/accounts/login/').send({ phone: user.phone, pin: '3068' });
    expect(login.status).toBe(200);
  });

  it('locks PIN use after 3 wrong PINs, tells the client by SMS, and keeps it locked', async () => {
    const { user, p } = await clientPhone();
    await p.dial();
    await p.sendAll('6', '2', '9035', '9036');
    expect(await p.send('9037')).toBe(
      "END PIN bloque apres trop d'erreurs. Reessayez dans 30 minutes ou faites PIN oublie.",
    );
    expect((await t.inbox.to(user.phone)).at(-1)?.body).toMatch(/PIN est bloque pendant 30 minutes/);
    await p.dial();
    expect(await p.sendAll('6', '2', PIN)).toMatch(/^END PIN bloque/);
    // The API login shares the lockout.
    expect((await t.request.post('/api/accounts/login/').send({ phone: user.phone, pin: PIN })).status).toBe(
      429,
    );
  });
});

describe('forgotten PIN', () => {
  it('sends a one-time code by SMS; the right code lets the client choose a new PIN and lifts a lock', async () => {
    const { user, p } = await clientPhone();
    // Lock the PIN first: the reset is the way out.
    await p.dial();
    await p.sendAll('6', '2', '9035', '9036', '9037');
    await p.dial();
    expect(await p.sendAll('6', '3')).toMatch(/^CON Un code vous a ete envoye par SMS/);
    const code = await t.inbox.lastCode(user.phone);
    expect((await t.inbox.to(user.phone)).at(-1)?.kind).toBe('otp');
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await p.send(wrong)).toMatch(/^CON Code incorrect/);
    expect(await p.send(code)).toMatch(/^CON Entrez votre nouveau PIN/);
    await p.send('6142');
    expect(await p.send('6142')).toBe('END Votre PIN a ete modifie.');
    expect(
      (await t.request.post('/api/accounts/login/').send({ phone: user.phone, pin: '6142' })).status,
    ).toBe(200);
  });

  it('ends the reset when the code expired or its attempts are used up', async () => {
    const { user, p } = await clientPhone();
    await p.dial();
    await p.sendAll('6', '3');
    const code = await t.inbox.lastCode(user.phone);
    const wrong = code === '000000' ? '111111' : '000000';
    await p.sendAll(wrong, wrong);
    expect(await p.send(wrong)).toBe("END Code expire ou trop d'essais. Recommencez PIN oublie.");
    await p.dial();
    await p.sendAll('6', '3');
    const fresh = await t.inbox.lastCode(user.phone);
    t.clock.advance((t.config.OTP_TTL_S + 1) * 1000);
    try {
      expect(await p.send(fresh)).toMatch(/^END Code expire/);
    } finally {
      t.clock.advance(-(t.config.OTP_TTL_S + 1) * 1000);
    }
  });
});
