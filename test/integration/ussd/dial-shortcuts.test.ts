import { User } from '../../../src/accounts/entities';
import { sessionKey } from '../../../src/ussd/session';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone, PIN } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

/**
 * Dial strings: `*123*6*4#` arrives as a first hop whose text is `6*4`. Its inputs are walked through
 * the menus as if typed one by one, up to the first screen that asks for a secret (a PIN, a code, an ID
 * number: phones keep dial strings in their call history), an END, or an input refused; the next hop's
 * input is what the client types on the screen shown.
 */
const MAIN_FR =
  'CON TontiFlex\n1. Cotiser\n2. Mes soldes\n3. Rejoindre une tontine\n4. Epargne\n5. Prets\n6. Mon compte\n7. Aide';
const ACCOUNT_FR =
  'CON Mon compte\n1. Langue\n2. Changer PIN\n3. PIN oublie\n4. Mes informations\n0. Retour 00. Accueil';
const OLD_PIN = 'CON Entrez votre PIN actuel:\n0. Retour 00. Accueil';

let t: TestApp;
let sfd: Awaited<ReturnType<typeof makeSfd>>;
let seq = 0;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'DIAL');
});
afterAll(() => t.close());

/** A phone that dials a string: a session whose first hop already has a text; `send` adds inputs. */
function dialer(number: string) {
  const sessionId = `ATUid_dial_${++seq}`;
  let text = '';
  const post = async (next: string) => {
    text = next;
    const res = await t.request.post('/ussd').type('form').send({
      sessionId,
      serviceCode: '*123#',
      phoneNumber: number,
      networkCode: '61603',
      text,
    });
    expect(res.status).toBe(200);
    return res.text;
  };
  return {
    sessionId,
    dial: (dialed: string) => post(dialed),
    send: (input: string) => post(text ? `${text}*${input}` : input),
    repeat: () => post(text),
  };
}

const client = async (fields: Partial<User> = {}) =>
  makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Houngbo', ...fields });

describe('a dial string', () => {
  it('walks its inputs from the opening screen, and the next hop goes on from there', async () => {
    const d = dialer((await client()).phone);
    expect(await d.dial('6')).toBe(ACCOUNT_FR); // *123*6#
    expect(await d.send('4')).toMatch(/^CON Awa Houngbo\nSFD: /);
    expect(await d.send('0')).toBe(ACCOUNT_FR);

    const deep = dialer((await client()).phone);
    expect(await deep.dial('6*4')).toMatch(/^CON Awa Houngbo\nSFD: /); // *123*6*4#, through a service
    expect(await deep.send('0')).toBe(ACCOUNT_FR);
  });

  it('stops at the first screen that asks for a PIN: the PIN of a dial string is never used', async () => {
    const user = await client();
    // Three wrong PINs would lock it (PIN_MAX_FAILURES): none of them is tried.
    for (let i = 0; i < 3; i++) {
      expect(await dialer(user.phone).dial('6*2*9999*5820*5820')).toBe(OLD_PIN);
    }
    const d = dialer(user.phone);
    expect(await d.dial(`6*2*${PIN}`)).toBe(OLD_PIN);
    // The client types the PIN on the screen: the next input comes out right.
    expect(await d.send(PIN)).toMatch(/^CON Entrez votre nouveau PIN/);
    await d.send('3068');
    expect(await d.send('3068')).toBe('END Votre PIN a ete modifie.');
  });

  it('stops at the one-time code screen, and a retried hop runs nothing again', async () => {
    const user = await client();
    const d = dialer(user.phone);
    const code = await d.dial('6*3*123456');
    expect(code).toMatch(/^CON Un code vous a ete envoye par SMS/);
    expect(await d.repeat()).toBe(code);
    expect(await t.inbox.to(user.phone)).toHaveLength(1);
  });

  it('stops on the screen where an input is refused, which says so', async () => {
    const d = dialer((await client()).phone);
    expect(await d.dial('6*9*4')).toBe(`CON Choix invalide.\n${ACCOUNT_FR.slice(4)}`);
    expect(await d.send('4')).toMatch(/^CON Awa Houngbo\n/);
  });

  it('stops at an END, and answers it', async () => {
    // 5. Prets for a client without savings: why not, an END; the inputs after it are not walked.
    expect(await dialer((await client()).phone).dial('5*2*3')).toBe(
      'END Pret impossible: il faut un compte epargne actif depuis au moins 90 jours. Choisissez 4 au menu pour ouvrir un compte epargne.',
    );
    const suspended = await client({ status: 'suspended' });
    expect(await dialer(suspended.phone).dial('6*4')).toBe(
      'END Votre compte est suspendu. Contactez votre agence.',
    );
  });

  it('starts where a plain dial starts: the first PIN to choose is asked first', async () => {
    const d = dialer((await client({ pinHash: null })).phone);
    expect(await d.dial('6*4')).toMatch(/^CON Bienvenue sur TontiFlex\. Choisissez votre code PIN/);
  });

  it('registers an unknown number up to the ID number screen, then goes on typed', async () => {
    const number = phone();
    const d = dialer(number);
    expect(await d.dial('1*Houngbo*Awa*1*AB123456*5820*5820')).toMatch(
      /^CON Numero de votre piece d'identite/,
    );
    expect(await d.send('1')).toMatch(/^CON Choisissez un code PIN secret/);
    await d.send('5820');
    expect(await d.send('5820')).toMatch(/^END Bienvenue Awa !/);
    const user = await t.deps.db.manager.findOneByOrFail(User, { phone: number });
    expect(user).toMatchObject({ lastName: 'Houngbo', firstName: 'Awa', idNumberEnc: null });
    // In English.
    expect(await dialer(phone()).dial('9*1')).toBe(
      'CON Registration\nEnter your last name:\n0. Back 00. Home',
    );
  });

  it('walks at most 8 inputs', async () => {
    const d = dialer((await client()).phone);
    expect(await d.dial('0*0*0*0*0*0*0*0*6')).toBe(MAIN_FR);
  });

  it('is shown by the main menu help', async () => {
    const d = dialer((await client()).phone);
    expect(await d.dial('7')).toBe(
      'CON Aide\nAstuce: composez *123*6# pour aller directement a Mon compte. ' +
        'Votre PIN ne fait jamais partie du code compose.\n0. Retour 00. Accueil',
    );
    expect(await d.send('0')).toBe(MAIN_FR);
  });
});

describe('a later hop whose session has gone', () => {
  it('with a place to resume: offered it, the text dropped (a lost session, as before)', async () => {
    const p = new Phone(t, (await client()).phone);
    await p.dial();
    await p.sendAll('6', '1');
    await t.deps.kv.del(sessionKey(p.sessionId));
    expect(await p.send('1')).toBe('CON Session interrompue.\n1. Reprendre: Mon compte\n2. Menu principal');
  });

  it('without one: its text is walked, which leads where the client was going', async () => {
    const p = new Phone(t, (await client()).phone);
    expect(await p.dial()).toBe(MAIN_FR);
    await t.deps.kv.del(sessionKey(p.sessionId)); // lost on the main menu: nothing to resume
    expect(await p.send('6')).toBe(ACCOUNT_FR);
    expect(await p.send('4')).toMatch(/^CON Awa Houngbo\n/);
  });

  it("is told from a dial string by the resume point: this session's, or another's", async () => {
    const user = await client();
    const p = new Phone(t, user.phone);
    await p.dial();
    await p.sendAll('6', '2'); // dropped on the old PIN screen: a place to resume
    const d = dialer(user.phone);
    expect(await d.dial('6*4')).toMatch(/^CON Awa Houngbo\n/); // a new session: the dial string is walked
    // The dial string's place replaced the dropped one.
    await t.deps.kv.del(sessionKey(d.sessionId));
    const again = dialer(user.phone);
    expect(await again.dial('')).toBe(
      'CON Session interrompue.\n1. Reprendre: Mon compte\n2. Menu principal',
    );
    expect(await again.send('1')).toMatch(/^CON Awa Houngbo\n/);
  });
});
