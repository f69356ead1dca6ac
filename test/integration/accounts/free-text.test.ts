import { AuditEvent, Sfd, User } from '../../../src/accounts/entities';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone, tokenFor } from '../../helpers/factories';

/**
 * Free text that reaches a USSD screen, an SMS or the back office (names, SFD name and city, in-app
 * notification title and message, a payment's reference) refuses control characters, line breaks,
 * bidi controls and < >: a 400 problem naming the field, and nothing written.
 */
let t: TestApp;
let sfd: Sfd;
let client: User;
const tok: Record<'agent' | 'admin' | 'platform', string> = { agent: '', admin: '', platform: '' };

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'TXT');
  client = await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Houngbo' });
  tok.agent = await tokenFor(t, await makeUser(t, 'agent_sfd', sfd));
  tok.admin = await tokenFor(t, await makeUser(t, 'admin_sfd', sfd));
  tok.platform = await tokenFor(t, await makeUser(t, 'admin_plateforme', null));
});
afterAll(() => t.close());

const { get, post, patch } = authed(() => t);

const BAD: Record<string, string> = {
  'a line feed': 'Awa\nKoffi',
  'a right-to-left override': 'Awa\u202eiffoK',
  'a BEL': 'Awa\u0007Koffi',
  'a <script>': '<script>alert(1)</script>',
};
const FR =
  'Ne doit contenir ni caracteres de controle, ni retours a la ligne, ni marques de direction, ni < >';
const EN = 'Must not contain control characters, line breaks, bidirectional marks or < >';

/** Every table a refused request could have written to. */
const counts = async () => ({
  users: await t.deps.db.manager.count(User),
  sfds: await t.deps.db.manager.count(Sfd),
  notifications: await t.deps.db.manager.count(Notification),
  payments: await t.deps.db.manager.count(PaymentTransaction),
  sms: await t.deps.db.manager.count(SmsOutboxEntry),
  audit: await t.deps.db.manager.count(AuditEvent),
});

let seq = 0;
const n = () => ++seq;

interface Endpoint {
  what: string;
  fields: string[];
  send: (body: object) => Promise<{ status: number; headers: Record<string, string>; body: any }>;
  body: () => object;
  /** The status a good body gets, proving the refusal is the field's alone. */
  ok: number[];
}

const ENDPOINTS: Endpoint[] = [
  {
    what: 'client creation POST /api/accounts/clients/',
    fields: ['first_name', 'last_name'],
    send: (body) => post(tok.agent, '/api/accounts/clients/', body),
    body: () => ({ phone: phone(), first_name: 'Awa', last_name: `Houngbo` }),
    ok: [201],
  },
  {
    what: 'staff creation POST /api/accounts/agents-sfd/',
    fields: ['first_name', 'last_name'],
    send: (body) => post(tok.admin, '/api/accounts/agents-sfd/', body),
    body: () => ({
      phone: phone(),
      email: `agent.txt.${n()}@sfd.bj`,
      first_name: 'Romaric',
      last_name: 'Agossou',
      password: 'un-mot-de-passe-solide',
    }),
    ok: [201],
  },
  {
    what: 'user update PATCH /api/accounts/clients/:id',
    fields: ['first_name', 'last_name'],
    send: (body) => patch(tok.agent, `/api/accounts/clients/${client.id}`, body),
    body: () => ({ first_name: 'Awa', last_name: 'Houngbo' }),
    ok: [200],
  },
  {
    what: 'sign-up POST /api/accounts/signup/',
    fields: ['first_name', 'last_name'],
    send: (body) =>
      t.request
        .post('/api/accounts/signup/')
        .set('X-Forwarded-For', `10.77.0.${n() % 250}`)
        .send(body),
    body: () => ({ phone: phone(), first_name: 'Koffi', last_name: 'Adjovi', sfd_id: sfd.id, pin: '5820' }),
    ok: [201, 202],
  },
  {
    what: 'SFD creation POST /api/accounts/sfds/',
    fields: ['name', 'city'],
    send: (body) => post(tok.platform, '/api/accounts/sfds/', body),
    body: () => ({ name: 'Caisse Rurale', code: `TX${n()}`, city: 'Cotonou', phone: '01 21 30 00 00' }),
    ok: [201],
  },
  {
    what: 'SFD update PATCH /api/accounts/sfds/:id',
    fields: ['name', 'city'],
    send: (body) => patch(tok.admin, `/api/accounts/sfds/${sfd.id}`, body),
    body: () => ({ name: 'SFD TXT', city: 'Cotonou' }),
    ok: [200],
  },
  {
    what: 'in-app notification POST /api/notifications/',
    fields: ['title', 'message'],
    send: (body) => post(tok.agent, '/api/notifications/', body),
    body: () => ({ user_id: client.id, title: 'Rappel', message: 'Votre cotisation est attendue.' }),
    ok: [201],
  },
  {
    what: 'payment POST /api/payments/initiate/',
    fields: ['purpose_ref'],
    send: (body) => post(tok.agent, '/api/payments/initiate/', body),
    body: () => ({ type: 'depot_epargne', amount: 1000, client_id: client.id, purpose_ref: 'livret-42' }),
    // Whether the type is available yet is the payments module's business: anything but a field error.
    ok: [201, 400],
  },
];

describe.each(ENDPOINTS)('$what', ({ fields, send, body, ok }) => {
  it.each(fields.flatMap((field) => Object.entries(BAD).map(([label, value]) => [field, label, value])))(
    'refuses %s with %s: 400 naming the field, nothing written',
    async (field, _, value) => {
      const before = await counts();
      const stored = await t.deps.db.manager.findOneByOrFail(User, { id: client.id });
      const storedSfd = await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id });
      const res = await send({ ...body(), [field]: value });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, type: 'https://tontiflex.app/problems/validation' });
      expect(res.body.errors).toEqual({ [field]: [FR] });
      expect(await counts()).toEqual(before);
      expect(await t.deps.db.manager.findOneByOrFail(User, { id: client.id })).toEqual(stored);
      expect(await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id })).toEqual(storedSfd);
    },
  );

  it('accepts the same body with ordinary text', async () => {
    const res = await send(body());
    expect(ok).toContain(res.status);
    if (res.status === 400)
      expect(Object.keys(res.body.errors ?? {})).not.toEqual(expect.arrayContaining(fields));
  });
});

it('names the field in English for an English client, and lists every refused field', async () => {
  const res = await t.request
    .post('/api/accounts/clients/')
    .set('Authorization', `Bearer ${tok.agent}`)
    .set('Accept-Language', 'en')
    .send({ phone: phone(), first_name: 'Awa\u2066', last_name: 'Hou\tngbo' });
  expect(res.status).toBe(400);
  expect(res.body.errors).toEqual({ first_name: [EN], last_name: [EN] });
});

it('keeps trimming: line breaks and spaces around a name are dropped, not refused', async () => {
  const res = await post(tok.agent, '/api/accounts/clients/', {
    phone: phone(),
    first_name: '\n Awa \t',
    last_name: ' Houngbo\r\n',
  });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ first_name: 'Awa', last_name: 'Houngbo' });
});

it.each(['/api/accounts/clients/', '/api/accounts/sfds/'])(
  'answers a search with such characters on %s: an empty page, not an error',
  async (path) => {
    for (const search of Object.values(BAD)) {
      const res = await get(tok.admin, `${path}?search=${encodeURIComponent(search)}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ count: 0, results: [] });
    }
  },
);
