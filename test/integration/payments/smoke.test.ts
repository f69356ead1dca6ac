import { post, ensureAccount, sfdAccount } from '../../../src/ledger/service';
import { paymentEntryKey } from '../../../src/payments/purposes';
import { LedgerAccount } from '../../../src/ledger/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '50' });
});
afterAll(() => t.close());

it('a client deposit through the simulator reaches the ledger once, with a receipt', async () => {
  const sfd = await makeSfd(t, 'PAY');
  // The simulator fails numbers ending in 9 and never answers those ending in 8.
  const client = await makeUser(t, 'client', sfd, { phone: '+2290196000051' });
  const wallet = `test:wallet:${client.id}`;
  await ensureAccount(t.deps.db.manager, {
    code: wallet,
    kind: 'test',
    sfdId: sfd.id,
    ownerId: client.id,
    mayGoNegative: false,
    at: t.clock.now(),
  });
  // A purpose of the test's own (no module registers it), for the type the client pays.
  t.payments.registry.register('test_collection', {
    types: ['depot_epargne'],
    applyCollection: async (m, p, at) => {
      await post(m, {
        key: paymentEntryKey(p.reference),
        kind: 'deposit',
        lines: [
          { account: sfdAccount(p.sfdId, 'mobile-money'), amount: -p.amount },
          { account: wallet, amount: p.amount },
        ],
        at,
      });
    },
  });
  const access = await tokenFor(t, client);
  const res = await t.request
    .post('/api/payments/initiate/')
    .set('Authorization', `Bearer ${access}`)
    .send({ type: 'depot_epargne', purpose: 'test_collection', amount: 5000 });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    status: 'pending',
    amount: 5000,
    provider: 'simulator',
    type: 'depot_epargne',
    purpose: 'test_collection',
  });
  for (let i = 0; i < 50; i++) {
    const p = await t.payments.service.byReference(res.body.reference);
    if (p?.status !== 'pending') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect((await t.payments.service.byReference(res.body.reference))?.status).toBe('success');
  expect((await t.deps.db.manager.findOneByOrFail(LedgerAccount, { code: wallet })).balance).toBe(5000);
  expect((await t.inbox.to(client.phone)).at(-1)?.body).toMatch(/paiement de 5 000 FCFA recu/);
});
