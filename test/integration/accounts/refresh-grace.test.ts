import jwt from 'jsonwebtoken';
import type { Sfd, User } from '../../../src/accounts/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PASSWORD } from '../../helpers/factories';

let t: TestApp;
let sfd: Sfd;
let agent: User;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'GRACE');
  agent = await makeUser(t, 'agent_sfd', sfd);
});
afterAll(() => t.close());

const login = async () => {
  const res = await t.request.post('/api/accounts/login/').send({ email: agent.email, password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body as { access: string; refresh: string };
};
const refresh = (token: string) => t.request.post('/api/accounts/token/refresh/').send({ refresh: token });
const me = (access: string) => t.request.get('/api/accounts/me/').set('Authorization', `Bearer ${access}`);
const family = (access: string) => (jwt.decode(access) as { fam: string }).fam;
const pastGrace = () => t.clock.advance((t.config.REFRESH_REUSE_GRACE_S + 1) * 1000);

describe('refresh token reuse grace', () => {
  it('answers ten concurrent refreshes of one token with ten pairs of the same family, all working', async () => {
    const session = await login();
    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(session.refresh)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => family(a.body.access)))).toEqual(new Set([family(session.access)]));
    expect(new Set(answers.map((a) => a.body.refresh)).size).toBe(10);
    for (const a of answers) expect((await me(a.body.access)).status).toBe(200);
    // Each new refresh token rotates on its own.
    expect((await refresh(answers[9].body.refresh)).status).toBe(200);
  });

  it('gives a retry within the grace a new pair; the same reuse after the grace revokes the family', async () => {
    const session = await login();
    const first = await refresh(session.refresh);
    expect(first.status).toBe(200);
    const retry = await refresh(session.refresh);
    expect(retry.status).toBe(200);
    expect(family(retry.body.access)).toBe(family(session.access));

    pastGrace();
    const reuse = await refresh(session.refresh);
    expect(reuse.status).toBe(401);
    expect(reuse.body.type).toMatch(/invalid-token$/);
    for (const pair of [first.body, retry.body]) {
      expect((await me(pair.access)).status).toBe(401);
      expect((await refresh(pair.refresh)).status).toBe(401);
    }
    // Another login of the same user is untouched.
    expect((await me((await login()).access)).status).toBe(200);
  });

  it('still refuses, within the grace, a token of a family revoked by logout', async () => {
    const session = await login();
    const next = await refresh(session.refresh);
    expect(next.status).toBe(200);
    const out = await t.request
      .post('/api/accounts/logout/')
      .set('Authorization', `Bearer ${next.body.access}`)
      .send({});
    expect(out.status).toBe(204);
    expect((await refresh(session.refresh)).status).toBe(401);
    expect((await refresh(next.body.refresh)).status).toBe(401);
  });

  it('still refuses an expired token, spent or not', async () => {
    const session = await login();
    const spent = await login();
    expect((await refresh(spent.refresh)).status).toBe(200);
    const ttlMs = (t.config.JWT_REFRESH_TTL_S + 1) * 1000;
    t.clock.advance(ttlMs);
    try {
      expect((await refresh(session.refresh)).status).toBe(401);
      expect((await refresh(spent.refresh)).status).toBe(401);
    } finally {
      t.clock.advance(-ttlMs);
    }
  });
});
