import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd } from '../../helpers/factories';
import { ledgerBalance } from '../../helpers/ledger';
import { eligibleClient, makeLoan, today } from './helpers';

describe('loan fixtures', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('makes a disbursed loan whose schedule and ledger agree', async () => {
    const sfd = await makeSfd(t);
    const { client, savings } = await eligibleClient(t, sfd);
    const { loan, instalments } = await makeLoan(t, sfd, client, savings, {
      disbursedOn: today(t),
      fees: 1000,
    });
    expect(instalments).toHaveLength(12);
    expect(instalments.reduce((s, i) => s + i.principal, 0)).toBe(100_000);
    expect(instalments[0].total).toBe(8885);
    expect(await ledgerBalance(t, `loan:${loan.id}:principal`)).toBe(-100_000);
  });
});
