import { In, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory, Contact } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, forbidden, notFound, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { isPlatformAdmin } from '../http/roles';
import { scopedSfdFilter, withinLocalDays, withinScope } from '../http/scope';
import { uniqueViolationField } from '../infra/db-errors';
import { closeNotifications } from '../notifications/inapp';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { decide, type Decision } from '../workflow/decide';
import { lockSavingsAccount } from './balance';
import { discard, documentRows, storeDocuments, type UploadedDocument } from './documents';
import { SavingsAccount, SavingsDocument } from './entities';
import {
  openingAwaitsDecision,
  openingDecisionSms,
  openingPendingData,
  SAVINGS_OPENING_PENDING,
} from './notices';
import type { ListSavingsAccountsQuery } from './schemas';
import { OpeningFees } from './opening-fee';
import { openingFeeOf } from './settings';

export { OPENING_FEE_PURPOSE, STALE_FEE_START_MS } from './opening-fee';

const view = (a: SavingsAccount) => ({ status: a.status, ...(a.reason ? { reason: a.reason } : {}) });

export interface OpeningNeeds {
  accounts: AccountsDirectory;
  kyc: Pick<KycService, 'verifyIfPending'>;
  payments: Pick<PaymentsService, 'collect' | 'byReference'>;
}

type OpeningDeps = Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger' | 'documents'>;

/**
 * Opening a savings account: the request (by staff for a client of their SFD with the two identity
 * documents, or without them: by the client from the phone, the agent uploading them later) →
 * en_cours_creation; the agent's decision → validee_agent | rejete; the opening fee paid by mobile
 * money → paiement_effectue → actif in the payment's transaction. One request or account per client:
 * the unique `open_client_id` index makes it race-safe.
 */
export class SavingsOpeningService {
  private readonly fees: OpeningFees;

  constructor(
    private readonly deps: OpeningDeps,
    private readonly needs: OpeningNeeds,
  ) {
    this.fees = new OpeningFees(deps, needs);
  }

  /** An account the caller may see, else 404: its client, its SFD's staff (the platform admin: any). */
  private async reach(p: Principal, id: number, manager?: EntityManager): Promise<SavingsAccount> {
    const m = manager ?? this.deps.db.manager;
    return withinScope(p, await m.findOne(SavingsAccount, { where: { id } }), (a) => a.clientId);
  }

  /** Staff of the record's own SFD act on it; the platform admin, who belongs to no SFD, does not. */
  private mustAct(p: Principal, sfdId: number): void {
    if (p.role !== 'client' && p.sfdId !== sfdId) {
      throw forbidden('forbidden', 'only the SFD’s own staff act on its savings accounts');
    }
  }

  /** The account, and its documents for staff. */
  async get(p: Principal, id: number): Promise<{ account: SavingsAccount; documents?: SavingsDocument[] }> {
    const account = await this.reach(p, id);
    return { account, documents: await this.documentsFor(p, account) };
  }

  private async documentsFor(p: Principal, account: SavingsAccount): Promise<SavingsDocument[] | undefined> {
    if (p.role === 'client') return undefined;
    return this.deps.db.manager.find(SavingsDocument, {
      where: { accountId: account.id },
      order: { id: 'ASC' },
    });
  }

  /** The client's own account or request in progress (else their latest, e.g. rejected); 404 if none. */
  async mine(p: Principal): Promise<SavingsAccount> {
    const m = this.deps.db.manager;
    const open = await m.findOne(SavingsAccount, { where: { openClientId: p.userId } });
    const account =
      open ?? (await m.findOne(SavingsAccount, { where: { clientId: p.userId }, order: { id: 'DESC' } }));
    if (!account) throw notFound();
    return account;
  }

  /** The client a request is for: the caller themself, or `client_id` of the staff caller's SFD. */
  private async clientFor(p: Principal, clientId: number | undefined): Promise<Contact & { sfdId: number }> {
    if (isPlatformAdmin(p.role)) throw forbidden('forbidden', 'only the SFD’s own staff make requests');
    const id = p.role === 'client' ? p.userId : clientId;
    if (!id) throw validationFailed({ client_id: ['required'] });
    const client = withinScope(p, await this.needs.accounts.client(id), (c) => c.id);
    if (client.sfdId === null) throw notFound();
    return client as Contact & { sfdId: number };
  }

  /**
   * A request for a client (staff: `client_id` of their SFD; a client: themself), with its documents
   * (none, or both from the upload). 409 when the client has a request in progress or an account.
   */
  async request(p: Principal, clientId: number | undefined, documents: UploadedDocument[] = []) {
    const client = await this.clientFor(p, clientId);
    return this.create(client, p, p.role === 'client' ? null : p.userId, documents);
  }

  /**
   * The client asks from the phone (USSD `Ouvrir un compte`), without documents: they bring them to an
   * agent, who uploads them (`addDocuments`). 409 as `request`; 404 for an unknown or inactive client.
   */
  async requestFromPhone(clientId: number): Promise<SavingsAccount> {
    const client = await this.needs.accounts.client(clientId);
    if (!client || client.sfdId === null || client.status !== 'active') throw notFound();
    const actor = { userId: client.id, role: 'client' as const, sfdId: client.sfdId };
    return this.create(client as Contact & { sfdId: number }, actor, null, []);
  }

  private async create(
    client: Contact & { sfdId: number },
    actor: Pick<Principal, 'userId' | 'role'>,
    requestedBy: number | null,
    documents: UploadedDocument[],
  ): Promise<SavingsAccount> {
    const taken = () =>
      conflict('the client already has a savings account or a request in progress', {
        client_id: ['unique'],
      });
    // Cheap first answer (no file stored for a plain duplicate); the unique index decides races.
    if (await this.deps.db.manager.exists(SavingsAccount, { where: { openClientId: client.id } }))
      throw taken();
    const stored = await storeDocuments(this.deps, documents);
    const now = this.deps.clock.now();
    try {
      return await this.deps.db.transaction(async (manager) => {
        let account: SavingsAccount;
        try {
          account = await manager.save(
            manager.create(SavingsAccount, {
              sfdId: client.sfdId,
              clientId: client.id,
              openClientId: client.id,
              status: 'en_cours_creation',
              openingFee: await openingFeeOf(manager, client.sfdId),
              reason: null,
              requestedBy,
              decidedBy: null,
              decidedAt: null,
              feePaymentReference: null,
              openedAt: null,
              createdAt: now,
              updatedAt: now,
            }),
          );
        } catch (err) {
          if (uniqueViolationField(err)) throw taken();
          throw err;
        }
        if (stored.length > 0)
          await manager.insert(SavingsDocument, documentRows(account, stored, requestedBy, now));
        await recordAudit(
          manager,
          {
            actor,
            sfdId: account.sfdId,
            action: 'savings.account.request',
            targetType: 'savings_account',
            targetId: account.id,
            after: {
              status: account.status,
              client_id: client.id,
              opening_fee: account.openingFee,
              documents: stored.map((s) => ({ kind: s.kind, sha256: s.stored.sha256 })),
            },
          },
          now,
        );
        await openingAwaitsDecision(manager, account, client, now, this.needs.accounts);
        return account;
      });
    } catch (err) {
      await discard(
        this.deps,
        stored.map((s) => s.stored.key),
      );
      throw err;
    }
  }

  /**
   * Staff (agent or higher) of the account's SFD upload the identity documents of a request in
   * progress: each one sent replaces the one of its kind. 409 once the request is decided.
   */
  async addDocuments(p: Principal, id: number, documents: UploadedDocument[]) {
    const found = await this.reach(p, id);
    this.mustAct(p, found.sfdId);
    if (documents.length === 0) throw validationFailed({ id_card: ['required'], photo: ['required'] });
    if (found.status !== 'en_cours_creation') throw conflict(`account ${found.status}: documents are closed`);
    const stored = await storeDocuments(this.deps, documents);
    const now = this.deps.clock.now();
    let replaced: string[] = [];
    let result: SavingsAccount;
    try {
      result = await this.deps.db.transaction(async (manager) => {
        const account = (await lockSavingsAccount(manager, id)) as SavingsAccount;
        if (account.status !== 'en_cours_creation') {
          throw conflict(`account ${account.status}: documents are closed`);
        }
        const kinds = stored.map((s) => s.kind);
        const old = await manager.find(SavingsDocument, { where: { accountId: id, kind: In(kinds) } });
        if (old.length > 0) await manager.delete(SavingsDocument, { id: In(old.map((d) => d.id)) });
        await manager.insert(SavingsDocument, documentRows(account, stored, p.userId, now));
        await manager.update(SavingsAccount, { id }, { updatedAt: now });
        await recordAudit(
          manager,
          {
            actor: p,
            sfdId: account.sfdId,
            action: 'savings.document.upload',
            targetType: 'savings_account',
            targetId: id,
            before:
              old.length > 0 ? { documents: old.map((d) => ({ kind: d.kind, sha256: d.sha256 })) } : null,
            after: { documents: stored.map((s) => ({ kind: s.kind, sha256: s.stored.sha256 })) },
          },
          now,
        );
        replaced = old.map((d) => d.storageKey);
        return (await manager.findOne(SavingsAccount, { where: { id } })) as SavingsAccount;
      });
    } catch (err) {
      await discard(
        this.deps,
        stored.map((s) => s.stored.key),
      );
      throw err;
    }
    // The replaced files go once their rows are gone for good.
    await discard(this.deps, replaced);
    return { account: result, documents: await this.documentsFor(p, result) };
  }

  /** Clients: their own; staff: their SFD's (the platform admin: all, or `sfd_id`'s); newest first. */
  async list(p: Principal, query: ListSavingsAccountsQuery, page: Page) {
    const where: FindOptionsWhere<SavingsAccount> = {};
    if (p.role === 'client') where.clientId = p.userId;
    else {
      const sfd = scopedSfdFilter(p, query.sfd_id);
      if (sfd !== null) where.sfdId = sfd;
      if (query.client_id) where.clientId = query.client_id;
    }
    if (query.status) where.status = query.status;
    const created = await withinLocalDays(p, where.sfdId as number | undefined, query, this.needs.accounts);
    if (created) where.createdAt = created;
    const [rows, count] = await this.deps.db.manager.findAndCount(SavingsAccount, {
      where,
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }

  /**
   * An agent (or higher) of the account's SFD decides on a request in progress, unless they made it
   * (maker-checker; uploading the documents is no proposal). Approve (both
   * documents required) → validee_agent, and the client's KYC becomes verified if it was pending;
   * reject → rejete with the reason, the client free to ask again. The client's SMS, the notice closed.
   */
  async decide(p: Principal, id: number, decision: Decision): Promise<SavingsAccount> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      const found = await this.reach(p, id, manager);
      this.mustAct(p, found.sfdId);
      // Maker-checker: who made the request for the client does not decide it.
      if (found.requestedBy === p.userId)
        throw forbidden('forbidden', 'who makes a request does not decide it');
      const account = (await lockSavingsAccount(manager, id)) as SavingsAccount;
      if (decision.decision === 'approve' && account.status === 'en_cours_creation') {
        const kinds = new Set(
          (await manager.find(SavingsDocument, { where: { accountId: id } })).map((d) => d.kind),
        );
        const missing = (['id_card', 'photo'] as const).filter((k) => !kinds.has(k));
        if (missing.length > 0) {
          throw conflict(
            `the identity documents are missing: ${missing.join(', ')}`,
            Object.fromEntries(missing.map((k) => [k, ['required']])),
          );
        }
      }
      return decide(manager, {
        entity: SavingsAccount,
        id,
        from: ['en_cours_creation'],
        to: { approve: 'validee_agent', reject: 'rejete' },
        set: {
          decidedBy: p.userId,
          decidedAt: now,
          reason: decision.decision === 'reject' ? (decision.reason ?? null) : null,
          ...(decision.decision === 'reject' ? { openClientId: null } : {}),
          updatedAt: now,
        },
        actor: p,
        action: 'savings.account',
        targetType: 'savings_account',
        at: now,
        decision,
        view,
        notify: async (m, record, d) => {
          if (d.decision === 'approve') {
            await this.needs.kyc.verifyIfPending(m, p, record.clientId, 'savings_account', now);
          }
          const client = await this.needs.accounts.contact(record.clientId, m);
          const sfd = await this.needs.accounts.sfd(record.sfdId, m);
          const sms = client && openingDecisionSms(client, record, sfd?.name ?? 'TontiFlex', d);
          if (sms) await this.deps.outbox.queue(m, sms);
          await closeNotifications(
            m,
            { type: SAVINGS_OPENING_PENDING, data: openingPendingData(record.id) },
            now,
          );
        },
      });
    });
  }

  /** Starts the opening fee's collection on an account the caller may act on (opening-fee.ts). */
  async payFees(p: Principal, id: number, phone?: string): Promise<SavingsAccount> {
    const account = await this.reach(p, id);
    this.mustAct(p, account.sfdId);
    return this.fees.start(p, account, phone);
  }

  /** The opening fee's payment purpose (opening-fee.ts). */
  purposeHandler(): PurposeHandler {
    return this.fees.purposeHandler();
  }
}
