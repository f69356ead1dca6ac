import Koa from 'koa';
import supertest from 'supertest';
import type { Sfd, User } from '../../../src/accounts/entities';
import { problemHandler } from '../../../src/http/errors';
import { publicBaseUrl } from '../../../src/http/pagination';
import { requestContext, stripTrailingSlash } from '../../../src/http/request-context';
import { mountRoutes } from '../../../src/http/route';
import { ensureAccount, post, sfdAccount } from '../../../src/ledger/service';
import { tontineAccount } from '../../../src/tontines/contributions';
import { TontineParticipant } from '../../../src/tontines/entities';
import { withdrawalRoutes } from '../../../src/tontines/routes-withdrawals';
import { WithdrawalReads } from '../../../src/tontines/withdrawal-reads';
import { WITHDRAWAL_PURPOSE, WithdrawalsService } from '../../../src/tontines/withdrawals';
import type { TestApp } from '../../helpers/app';
import { makeTontine } from '../../helpers/factories';

/** The withdrawal routes on the app's own plumbing, mounted here until the module lists them. */
export function mountWithdrawals(app: TestApp) {
  const service = new WithdrawalsService(app.deps, app.accounts.service, app.payments.service);
  if (!app.payments.registry.has(WITHDRAWAL_PURPOSE)) {
    app.payments.registry.register(WITHDRAWAL_PURPOSE, service.purposeHandler());
  }
  const koa = new Koa({ proxy: true });
  koa.use(requestContext(app.deps.logger));
  koa.use(publicBaseUrl(app.config.PUBLIC_BASE_URL));
  koa.use(problemHandler());
  koa.use(stripTrailingSlash());
  const router = mountRoutes(withdrawalRoutes(service, new WithdrawalReads(app.deps, app.accounts.service)), {
    authenticator: app.accounts.tokens,
    bodyLimit: app.config.BODY_LIMIT,
    checkResponses: true,
  });
  koa.use(router.routes());
  return supertest(koa.callback());
}

/** A participant of `sfd` whose tontine account holds `balance` (paid in through mobile money). */
export async function fundedParticipant(
  app: TestApp,
  sfd: Sfd,
  client: User,
  balance: number,
  tontineFields: { minWithdrawal?: number; name?: string } = {},
): Promise<TontineParticipant> {
  const m = app.deps.db.manager;
  const now = app.clock.now();
  const tontine = await makeTontine(app, sfd, tontineFields);
  const participant = await m.save(
    m.create(TontineParticipant, {
      sfdId: sfd.id,
      tontineId: tontine.id,
      clientId: client.id,
      stake: 500,
      nextStake: null,
      status: 'actif',
      joinedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
  );
  await ensureAccount(m, {
    code: tontineAccount(participant.id),
    kind: 'tontine',
    sfdId: sfd.id,
    ownerId: client.id,
    mayGoNegative: false,
    at: now,
  });
  if (balance > 0) {
    await post(m, {
      key: `test:fund:${participant.id}`,
      kind: 'test_funding',
      lines: [
        { account: sfdAccount(sfd.id, 'mobile-money'), amount: -balance },
        { account: tontineAccount(participant.id), amount: balance },
      ],
      sfdId: sfd.id,
      at: now,
    });
  }
  return participant;
}
