import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { User } from '../../src/accounts/entities';
import type { Sfd } from '../../src/accounts/entities';
import { UssdSessionLog } from '../../src/ussd/entities';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSfd, makeUser, phone } from '../helpers/factories';

/**
 * `npm run ussd`: the built terminal simulator (dist/src/cli/ussd-simulator.js) against a gateway
 * listening on an ephemeral port, driven through its stdin as a person would type.
 */
const root = resolve(__dirname, '../..');
const cli = join('dist', 'src', 'cli', 'ussd-simulator.js');
const WAIT_MS = 10_000;

jest.setTimeout(60_000);

let t: TestApp;
let sfd: Sfd;
let url: string;
const running = new Set<ChildProcess>();

// dist/ is built once for the whole run by test/helpers/global-setup.ts.
beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'CLI');
  url = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}/ussd`;
}, 150_000);

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});
afterAll(() => t?.close());

interface Sim {
  /** Waits until stdout shows `text` after what was already consumed; returns the new output. */
  see(text: string | RegExp): Promise<string>;
  type(line: string): void;
  hangUp(): void;
  exited: Promise<number | null>;
  stdout(): string;
}

function simulator(number: string): Sim {
  const child = spawn(process.execPath, [cli, '--phone', number, '--url', url, '--code', '*123#'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  let seen = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((done) =>
    child.once('close', (code) => {
      running.delete(child);
      done(code);
    }),
  );
  return {
    async see(text) {
      const started = Date.now();
      for (;;) {
        const rest = out.slice(seen);
        const at = typeof text === 'string' ? rest.indexOf(text) : rest.search(text);
        if (at >= 0) {
          const end =
            seen + at + (typeof text === 'string' ? text.length : (rest.match(text)?.[0].length ?? 0));
          const chunk = out.slice(seen, end);
          seen = end;
          return chunk;
        }
        if (Date.now() - started > WAIT_MS || child.exitCode !== null) {
          throw new Error(`no ${String(text)} on stdout; stdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    type(line) {
      child.stdin.write(`${line}\n`);
    },
    hangUp() {
      child.stdin.end();
    },
    exited,
    stdout: () => out,
  };
}

const MAIN_FR =
  'TontiFlex\n1. Cotiser\n2. Mes soldes\n3. Rejoindre une tontine\n4. Epargne\n5. Prets\n6. Mon compte';

async function sessionLogs(number: string) {
  return t.deps.db.manager.find(UssdSessionLog, { where: { phone: number }, order: { id: 'ASC' } });
}

describe('npm run ussd (terminal simulator)', () => {
  it('browses a seeded client account, then hangs up mid-session (Incomplete)', async () => {
    const user = await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Houngbo' });
    const sim = simulator(user.phone);
    await sim.see(MAIN_FR);
    await sim.see('> ');
    sim.type('6');
    await sim.see(
      'Mon compte\n1. Langue\n2. Changer PIN\n3. PIN oublie\n4. Mes informations\n0. Retour 00. Accueil',
    );
    sim.type('4');
    await sim.see(`Awa Houngbo\nSFD: ${sfd.name}\nIdentite: a verifier en agence\n0. Retour 00. Accueil`);
    await sim.see('> ');
    sim.hangUp();
    await sim.see('[hung up]');
    expect(await sim.exited).toBe(0);

    const logs = await sessionLogs(user.phone);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ status: 'Incomplete', serviceCode: '*123#', hops: 3, flow: 'account' });
    expect(logs[0].sessionId).toMatch(/^CLI_/);
    expect(logs[0].lastScreen).toMatch(/^CON Awa Houngbo/);
  });

  it('registers an unknown number to END (Success), dials again with a new session, then quits', async () => {
    const number = phone();
    const sim = simulator(number);
    await sim.see("Bienvenue sur TontiFlex\n1. S'inscrire\n9. English");
    sim.type('1');
    await sim.see('Entrez votre nom de famille:');
    sim.type('houngbedji');
    await sim.see('Entrez votre prenom:');
    sim.type('afiavi');
    await sim.see(`Choisissez votre SFD:\n1. ${sfd.name}`);
    sim.type('1');
    await sim.see('1. Passer cette etape');
    sim.type('1');
    await sim.see('Choisissez un code PIN secret a 4 chiffres:');
    sim.type('5820');
    await sim.see('Confirmez votre code PIN:');
    sim.type('5820');
    await sim.see(
      "Bienvenue Afiavi ! Votre compte TontiFlex est cree. Passez a votre agence avec votre piece d'identite pour le valider.\n[session ended]",
    );
    await sim.see('Dial again? [y/N] ');

    const user = await t.deps.db.manager.findOneByOrFail(User, { phone: number });
    expect(user).toMatchObject({
      firstName: 'Afiavi',
      lastName: 'Houngbedji',
      role: 'client',
      sfdId: sfd.id,
    });
    const first = await sessionLogs(number);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ status: 'Success', hops: 8, flow: 'registration' });

    // Dialling again is a new session: now a known client with a PIN, on the main menu.
    sim.type('y');
    await sim.see(MAIN_FR);
    sim.type('5'); // Prets: no savings account, so why not, an END
    await sim.see('Choisissez 4 au menu pour ouvrir un compte epargne.\n[session ended]');
    await sim.see('Dial again? [y/N] ');
    sim.type('n');
    expect(await sim.exited).toBe(0);

    const logs = await sessionLogs(number);
    expect(logs.map((l) => l.status)).toEqual(['Success', 'Success']);
    expect(new Set(logs.map((l) => l.sessionId)).size).toBe(2);
  });

  it('says how to use it without --phone', async () => {
    const sim = simulator('');
    const code = await sim.exited;
    expect(code).toBe(2);
    expect(sim.stdout()).toContain('usage: npm run ussd -- --phone');
  });
});
