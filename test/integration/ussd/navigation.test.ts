import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

let t: TestApp;
let clientPhone: () => Promise<Phone>;

beforeAll(async () => {
  t = await startTestApp();
  const sfd = await makeSfd(t, 'NAV');
  clientPhone = async () => new Phone(t, (await makeUser(t, 'client', sfd)).phone);
});
afterAll(() => t.close());

/** Screens along a path, from a fresh session: screens[0] is the first screen, screens[k] after k inputs. */
async function screensAlong(p: Phone, inputs: string[]): Promise<string[]> {
  const screens = [await p.dial()];
  for (const input of inputs) screens.push(await p.send(input));
  return screens;
}

// Paths through every CON screen of the landed menus (the client's and the unknown number's).
const CLIENT_PATHS = [
  ['6', '1'],
  ['6', '2', '9035', '4827', '3068'],
  ['6', '3', '000000'],
  ['6', '4'],
];
const REGISTRATION_PATH = ['1', 'Houngbo', 'Awa', '1', '1', '5820'];

describe('0 (back) and 00 (home) from every screen', () => {
  it.each(CLIENT_PATHS.map((path) => [path.join('*'), path]))('client path %s', async (_name, path) => {
    const reference = await screensAlong(await clientPhone(), path);
    for (let k = 1; k <= path.length; k++) {
      if (!reference[k].startsWith('CON ')) continue;
      const back = await clientPhone();
      await screensAlong(back, path.slice(0, k));
      const afterBack = await back.send('0');
      // Back shows the screen before, exactly as it was shown.
      expect(afterBack).toBe(reference[k - 1]);

      const home = await clientPhone();
      await screensAlong(home, path.slice(0, k));
      expect(await home.send('00')).toBe(reference[0]);
    }
  });

  it('the registration screens go back one step and home to the welcome screen', async () => {
    const reference = await screensAlong(new Phone(t, phone()), REGISTRATION_PATH);
    for (let k = 1; k < REGISTRATION_PATH.length; k++) {
      const p = new Phone(t, phone());
      await screensAlong(p, REGISTRATION_PATH.slice(0, k + 1));
      expect(await p.send('0')).toBe(reference[k]);
      expect(await p.send('00')).toBe(reference[0]);
    }
  });

  it('0 on the first screen shows it again', async () => {
    const p = await clientPhone();
    const first = await p.dial();
    expect(await p.send('0')).toBe(first);
  });
});

describe('repeated hops', () => {
  it('returns the stored screen and runs nothing again', async () => {
    const sfd = await makeSfd(t, 'REP');
    const user = await makeUser(t, 'client', sfd);
    const p = new Phone(t, user.phone);
    await p.dial();
    const codeScreen = await p.sendAll('6', '3');
    expect(await t.inbox.to(user.phone)).toHaveLength(1);
    // The operator retries the same hop: same screen, no second SMS.
    expect(await p.repeat()).toBe(codeScreen);
    expect(await p.repeat()).toBe(codeScreen);
    expect(await t.inbox.to(user.phone)).toHaveLength(1);
  });

  it('a retried final registration hop creates one client only', async () => {
    const p = new Phone(t, phone());
    await screensAlong(p, REGISTRATION_PATH);
    const end = await p.send('5820');
    expect(end).toMatch(/^END Bienvenue Awa/);
    expect(await p.repeat()).toBe(end);
    const count = await t.deps.db.manager.count('users', { where: { phone: p.number } });
    expect(count).toBe(1);
  });
});

describe('resume after a drop', () => {
  it('offers to resume the flow within the resume window, and resumes where the client was', async () => {
    const p = await clientPhone();
    await p.dial();
    const where = await p.sendAll('6', '2', '4827');
    expect(where).toMatch(/^CON Entrez votre nouveau PIN/);
    expect((await p.hangUp('Incomplete')).status).toBe(200);

    expect(await p.dial()).toBe('CON Session interrompue.\n1. Reprendre: Mon compte\n2. Menu principal');
    expect(await p.send('1')).toBe(where);
    await p.send('3068');
    expect(await p.send('3068')).toBe('END Votre PIN a ete modifie.');
    // Finished: nothing to resume any more.
    expect(await p.dial()).toMatch(/^CON TontiFlex\n/);
  });

  it('2 goes to the main menu and forgets the dropped flow', async () => {
    const p = await clientPhone();
    await p.dial();
    await p.sendAll('6', '1');
    expect(await p.dial()).toMatch(/^CON Session interrompue\./);
    expect(await p.send('2')).toMatch(/^CON TontiFlex\n1\. Cotiser/);
    await p.hangUp('Incomplete');
    expect(await p.dial()).toMatch(/^CON TontiFlex\n/);
  });

  it('forgets the flow once the client went back to the main menu', async () => {
    const p = await clientPhone();
    await p.dial();
    await p.sendAll('6', '1');
    expect(await p.send('00')).toMatch(/^CON TontiFlex\n/);
    expect(await p.dial()).toMatch(/^CON TontiFlex\n/); // dropped on the main menu: nothing to resume
    await p.sendAll('6', '1', '0', '0');
    expect(await p.dial()).toMatch(/^CON TontiFlex\n/);
  });

  it('resumes an interrupted registration of an unknown number', async () => {
    const p = new Phone(t, phone());
    await p.dial();
    const where = await p.sendAll('1', 'Houngbo', 'Awa');
    expect(await p.dial()).toBe('CON Session interrompue.\n1. Reprendre: Inscription\n2. Menu principal');
    expect(await p.send('1')).toBe(where);
  });

  it('a later hop whose session has gone starts over as a first hop, with its caller and dropped flow', async () => {
    const sfd = await makeSfd(t, 'GONE');
    const p = new Phone(t, (await makeUser(t, 'client', sfd, { language: 'en' })).phone);
    await p.dial();
    await p.sendAll('6', '1');
    await t.deps.kv.del(`ussd:s:${p.sessionId}`); // expired, or lost with Redis
    // Only a first hop reads the caller and the resume point with its session: this one reads them after.
    expect(await p.send('2')).toBe('CON Session interrupted.\n1. Resume: My account\n2. Main menu');
  });

  it('does not offer to resume after the window', async () => {
    const short = await startTestApp({ USSD_RESUME_S: '1' });
    try {
      const sfd = await makeSfd(short, 'WIN');
      const p = new Phone(short, (await makeUser(short, 'client', sfd)).phone);
      await p.dial();
      await p.sendAll('6', '1');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await p.dial()).toMatch(/^CON TontiFlex\n/);
    } finally {
      await short.close();
    }
  });
});
