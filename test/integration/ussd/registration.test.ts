import { AuditEvent, User } from '../../../src/accounts/entities';
import { decrypt } from '../../../src/infra/crypto';
import { Notification } from '../../../src/notifications/inapp-entities';
import { isGsm7 } from '../../../src/shared/gsm7';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

let t: TestApp;
let agent: User;

beforeAll(async () => {
  t = await startTestApp();
  agent = await makeUser(t, 'agent_sfd', await makeSfd(t, 'CSC'));
});
afterAll(() => t.close());

const screen = (reply: string) => reply.slice(4);

describe('registration of an unknown number', () => {
  it('walks language, names, SFD, ID number and PIN twice, then creates a client with KYC pending', async () => {
    const p = new Phone(t, phone());
    expect(await p.dial()).toBe("CON Bienvenue sur TontiFlex\n1. S'inscrire\n9. English");
    expect(await p.send('1')).toBe('CON Inscription\nEntrez votre nom de famille:\n0. Retour 00. Accueil');
    expect(await p.send('houngbo')).toMatch(/^CON Entrez votre prenom:/);
    expect(await p.send('awa')).toMatch(/^CON Choisissez votre SFD:\n1\. SFD CSC\n/);
    expect(await p.send('1')).toMatch(/^CON Numero de votre piece d'identite/);
    expect(await p.send('ab123456')).toMatch(/^CON Choisissez un code PIN secret a 4 chiffres:/);
    expect(await p.send('1111')).toMatch(/^CON PIN trop simple/);
    expect(await p.send('7391')).toMatch(/^CON Confirmez votre code PIN:/);
    expect(await p.send('7392')).toMatch(/^CON Les deux PIN sont differents/);
    expect(await p.send('7391')).toMatch(/^CON Confirmez votre code PIN:/);
    const done = await p.send('7391');
    expect(done).toBe(
      "END Bienvenue Awa ! Votre compte TontiFlex est cree. Passez a votre agence avec votre piece d'identite pour le valider.",
    );

    const user = await t.deps.db.manager.findOneByOrFail(User, { phone: p.number });
    expect(user).toMatchObject({
      role: 'client',
      firstName: 'Awa',
      lastName: 'Houngbo',
      kycStatus: 'pending',
      language: 'fr',
      status: 'active',
    });
    expect(user.phoneVerifiedAt).not.toBeNull();
    expect(user.pinHash).toMatch(/^scrypt\$/);
    expect(user.idNumberEnc).not.toContain('AB123456');
    expect(decrypt(user.idNumberEnc ?? '', t.config.DOCUMENT_KEY)).toBe('AB123456');
    const audit = await t.deps.db.manager.findOneByOrFail(AuditEvent, {
      action: 'user.register_ussd',
      targetId: String(user.id),
    });
    expect(audit.sfdId).toBe(user.sfdId);
    const sms = await t.inbox.to(p.number);
    expect(sms).toHaveLength(1);
    expect(sms[0].body).toMatch(/^Bienvenue sur TontiFlex, Awa/);
    expect(isGsm7(sms[0].body)).toBe(true);
    // The branch's agent is told a new client awaits KYC validation.
    const waiting = await t.deps.db.manager.findBy(Notification, { userId: agent.id, type: 'kyc_pending' });
    expect(waiting.map((n) => JSON.parse(n.data ?? '{}') as object)).toEqual([{ client_id: user.id }]);

    // The new client can now log in to the API with the USSD PIN, and the next dial shows the main menu.
    expect((await t.request.post('/api/accounts/login/').send({ phone: p.number, pin: '7391' })).status).toBe(
      200,
    );
    expect(screen(await p.dial())).toMatch(/^TontiFlex\n1\. Cotiser/);
  });

  it('offers English on the first screen and registers the client in English, skipping the ID number', async () => {
    const p = new Phone(t, phone());
    await p.dial();
    expect(await p.send('9')).toBe('CON Welcome to TontiFlex\n1. Register\n9. Francais');
    expect(await p.send('1')).toMatch(/^CON Registration\nEnter your last name:/);
    await p.sendAll('Dossou', 'Koffi', '1');
    expect(await p.send('1')).toMatch(/^CON Choose a secret 4-digit PIN:/);
    await p.send('7391');
    expect(await p.send('7391')).toMatch(/^END Welcome Koffi!/);
    const user = await t.deps.db.manager.findOneByOrFail(User, { phone: p.number });
    expect(user.language).toBe('en');
    expect(user.idNumberEnc).toBeNull();
    expect((await t.inbox.to(p.number))[0].body).toMatch(/^Welcome to TontiFlex, Koffi!/);
    expect(await p.dial()).toMatch(/^CON TontiFlex\n1\. Contribute\n2\. My balances/);
  });

  it('refuses names with digits ("Nom invalide") and unknown SFD numbers ("Choix invalide.") with the same screen', async () => {
    const p = new Phone(t, phone());
    await p.dial();
    await p.send('1');
    expect(await p.send('R2D2')).toBe(
      'CON Nom invalide: 2 a 40 lettres.\nInscription\nEntrez votre nom de famille:\n0. Retour 00. Accueil',
    );
    await p.sendAll('Agossou', 'Sena');
    expect(await p.send('9')).toMatch(/^CON Choix invalide\.\nChoisissez votre SFD:/);
    // Three invalid inputs in a row end the session with a short help.
    expect(await p.send('0x')).toMatch(/^CON Choix invalide\./);
    expect(await p.send('77')).toBe(
      'END Trop de saisies invalides. Composez a nouveau le code TontiFlex et suivez les choix numerotes.',
    );
    expect(await t.deps.db.manager.countBy(User, { phone: p.number })).toBe(0);
  });

  it('paginates a long SFD list with "98. Suite", and an option on page 2 can be chosen', async () => {
    const names = Array.from({ length: 14 }, (_, i) => `Mutuelle Regionale ${String.fromCharCode(65 + i)}`);
    for (const [i, name] of names.entries()) {
      const sfd = await makeSfd(t, `P${i}`);
      await t.deps.db.manager.update('sfds', { id: sfd.id }, { name });
    }
    const p = new Phone(t, phone());
    await p.dial();
    const first = await p.sendAll('1', 'Zinsou', 'Eric');
    expect(first).toMatch(/^CON Choisissez votre SFD:\n1\. /);
    expect(first.endsWith('\n98. Suite')).toBe(true);
    const pages = [first];
    while (pages[pages.length - 1].endsWith('98. Suite')) pages.push(await p.send('98'));
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) {
      expect(page.length - 4).toBeLessThanOrEqual(182);
      expect(isGsm7(page.slice(4))).toBe(true);
    }
    expect(pages[pages.length - 1].endsWith('0. Retour 00. Accueil')).toBe(true);
    const all = pages.join('\n');
    expect(all).toContain('15. ');
    // Pick the last SFD, listed on a later page.
    const last = /(\d+)\. [^\n]+\n0\. Retour/.exec(pages[pages.length - 1]);
    expect(await p.send(last?.[1] ?? 'x')).toMatch(/^CON Numero de votre piece d'identite/);
  });
});

describe('END screens made long by the client’s own data', () => {
  it('are cut to the screen limit', async () => {
    const p = new Phone(t, phone());
    await p.dial();
    // "ﬃ" folds to "ffi": a 40-letter name becomes 120 characters on the welcome screen.
    await p.sendAll('1', 'Houngbo', 'ﬃ'.repeat(39), '1', '1', '7391');
    const end = await p.send('7391');
    expect(end).toMatch(/^END Bienvenue FFI(ffi)+ ! Votre compte/);
    expect(end.endsWith('...')).toBe(true);
    expect(end.length - 4).toBeLessThanOrEqual(182);
    expect(isGsm7(end.slice(4))).toBe(true);
  });
});
