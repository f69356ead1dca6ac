import { fromPromise } from 'xstate';
import { deriveKey } from '../src/infra/crypto';

/**
 * The shared vocabulary of every USSD menu machine. Machines are pure definitions: what they need from
 * the outside is an invoked promise actor, implemented at the composition root (src/ussd/menu-services.ts)
 * and given with `machine.provide()`. A PIN never enters a context: machines keep only a keyed digest of
 * a PIN being chosen (`pinDraft`) or the fact that the service checked it.
 */
export type { Lang } from '../src/infra/i18n';
import type { Lang } from '../src/infra/i18n';

export type FlowName =
  | 'main'
  | 'registration'
  | 'account'
  | 'setPin'
  | 'tontineJoin'
  | 'tontineContribute'
  | 'tontineBalances'
  | 'tontineDispute'
  | 'tontineFee'
  | 'savings'
  | 'loans';

/** The only event a machine receives: what the client typed on this hop. */
export interface InputEvent {
  type: 'INPUT';
  value: string;
}

/** Who is dialling, given to a machine when the engine starts it. */
export interface MenuInput {
  phone: string;
  lang: Lang;
  userId: number | null;
  firstName?: string;
}

/**
 * State meta, read by the renderer and the engine:
 * - `screen`: i18next key in the `ussd` namespace; the context fills its placeholders;
 * - `list`: a context array of `{ label }` rendered as numbered options under the screen;
 * - `end`: on a final state, the END screen's key; `goto`: on a final state, the next flow;
 * - `notice`: on a final `goto` state, a line shown above the next flow's first screen;
 * - `root`: the first screen of the main menu (no footer; not a place to resume);
 * - `invalid`: the key of the line shown above this screen again after an input it refuses, when it can
 *   say what is wrong ("Nom invalide: 2 a 40 lettres."); without it the engine shows `common.invalid`;
 * - `secret`: the answer is a secret (a PIN, a one-time code, an ID number): a dial string stops here,
 *   since phones keep dial strings in their call history.
 */
export interface ScreenMeta {
  screen?: string;
  list?: string;
  end?: string;
  goto?: FlowName;
  notice?: string;
  root?: boolean;
  invalid?: string;
  secret?: boolean;
}

export type PinCheck = 'ok' | 'wrong' | 'locked';
export type CodeCheck = 'ok' | 'wrong' | 'expired';

export interface SfdOption {
  id: number;
  label: string;
}

export interface Profile {
  firstName: string;
  lastName: string;
  sfdName: string;
  kyc: string;
}

export interface RegistrationRequest {
  phone: string;
  lang: Lang;
  lastName: string;
  firstName: string;
  sfdId: number;
  /** The ID number sealed by the machine (`idNumberKey`), opened by the service only. */
  sealedIdNumber: string | null;
  pin: string;
}

/** An active tontine of the client's SFD, open to adhesions (XOF amounts). */
export interface TontineOption {
  id: number;
  name: string;
  stakeMin: number;
  stakeMax: number;
  joiningFee: number;
}

/** What submitting an adhesion led to: sent, already a member or asking, the tontine no longer open. */
export type AdhesionOutcome = 'sent' | 'already' | 'closed';

/** One of the client's active participations (its daily stake for the current carnet). */
export interface ParticipationOption {
  participantId: number;
  name: string;
  stake: number;
}

/** What paying `days` more days costs now, and where the carnet stands after (carnet.ts `allocate`). */
export interface ContributionQuote {
  amount: number;
  /** The part that pays box 1 of the cycles the payment starts (0 when none starts). */
  commission: number;
  cycle: number;
  boxesPaid: number;
}

/**
 * A line of "Mes soldes" (`label`, written by the service in the caller's language) and what the
 * tontine's own screen shows: the balance, the carnet, what may be withdrawn now (the balance less the
 * withdrawals still pending) and the tontine's smallest withdrawal (XOF amounts).
 */
export interface BalanceLine {
  label: string;
  participantId: number;
  name: string;
  balance: number;
  cycle: number;
  boxesPaid: number;
  available: number;
  minWithdrawal: number;
}

/** What asking for a withdrawal led to: sent to an agent, or refused for its amount (re-checked then). */
export type WithdrawalOutcome = 'sent' | 'insufficient' | 'below_min';

/** An adhesion validated by an agent whose joining fee is still to pay (or to pay again). */
export interface FeeDue {
  adhesionId: number;
  name: string;
  fee: number;
}

/** What starting a joining fee's payment led to: pushed to the phone, a free tontine joined, one pending. */
export type FeeOutcome = 'started' | 'joined' | 'pending';

/** The tontine menus' domain calls (the tontines module contributes them: src/tontines/menu-services.ts). */
export interface TontineMenuServices {
  listTontines: (req: { userId: number }) => Promise<TontineOption[]>;
  submitAdhesion: (req: { userId: number; tontineId: number; stake: number }) => Promise<AdhesionOutcome>;
  listParticipations: (req: { userId: number }) => Promise<ParticipationOption[]>;
  quoteContribution: (req: {
    userId: number;
    participantId: number;
    days: number;
  }) => Promise<ContributionQuote>;
  /** Pushes the mobile-money payment of `days` days to the caller's phone. */
  startContribution: (req: { userId: number; participantId: number; days: number }) => Promise<void>;
  loadBalances: (req: { userId: number; lang: Lang }) => Promise<BalanceLine[]>;
  /** Asks an agent for a withdrawal of `amount` XOF from the caller's participation. */
  requestWithdrawal: (req: {
    userId: number;
    participantId: number;
    amount: number;
  }) => Promise<WithdrawalOutcome>;
  /** Whether a joining fee awaits the caller: the main menu then offers to pay it first. */
  feeDue: (req: { userId: number }) => Promise<boolean>;
  listFeesDue: (req: { userId: number }) => Promise<FeeDue[]>;
  /** Pushes the joining fee's mobile-money payment to the caller's phone. */
  startFeePayment: (req: { userId: number; adhesionId: number }) => Promise<FeeOutcome>;
}

/** Why a cash receipt cannot be disputed: not one of the caller's, past 48 h, already disputed. */
export type DisputeRefusal = 'unknown' | 'late' | 'already';
export type DisputeOutcome = 'opened' | DisputeRefusal;

/** A cash receipt the caller may dispute, as its confirm screen shows it (`date`: the SFD's local time). */
export interface DisputableReceipt {
  code: string;
  amount: number;
  date: string;
  agent: string;
}

export type DisputeLookup = { outcome: 'found'; receipt: DisputableReceipt } | { outcome: DisputeRefusal };

/** The dispute menu's domain calls (src/tontines/dispute-menu-services.ts). */
export interface DisputeMenuServices {
  findDisputableReceipt: (req: { userId: number; code: string }) => Promise<DisputeLookup>;
  /** Opens the dispute on the USSD channel. */
  openDispute: (req: { userId: number; code: string }) => Promise<DisputeOutcome>;
}

/**
 * Where the caller's savings account stands, as "4. Epargne" shows it: `none` (no account, or a closed
 * one: a request may be made), the request's steps, `actif`. No money here: the balance comes after the PIN.
 */
export interface SavingsSummary {
  status:
    'none' | 'en_cours_creation' | 'validee_agent' | 'paiement_effectue' | 'actif' | 'suspendu' | 'rejete';
  /** CSC-0001234-0 (none: ''). */
  accountNumber: string;
  /** The opening fee: the request's, else what the caller's SFD charges now (XOF). */
  fee: number;
  /** Why the last request was rejected (`rejete`). */
  reason: string | null;
}

/** A savings account's figures after the PIN (XOF): the ledger balance, held (loan guarantees), available. */
export interface SavingsFigures {
  accountNumber: string;
  balance: number;
  held: number;
  /** balance − held − the withdrawals awaiting their agent. */
  available: number;
}

/** A page of the mini statement (page 1: the latest movements), its lines written in the caller's language. */
export interface MiniStatementPage {
  page: number;
  pages: number;
  lines: { label: string }[];
}

export type SavingsOpeningOutcome = 'sent' | 'already';
/** A payment pushed to the phone, or one already pending (nothing new started). */
export type SavingsPaymentOutcome = 'started' | 'pending';

/** The savings menu's domain calls (the savings module contributes them: src/savings/menu-services.ts). */
export interface SavingsMenuServices {
  loadSavings: (req: { userId: number }) => Promise<SavingsSummary>;
  /** The opening request from the phone (the client then brings the documents to an agent). */
  requestSavingsOpening: (req: { userId: number }) => Promise<SavingsOpeningOutcome>;
  /** Pushes the opening fee's mobile-money payment to the caller's phone. */
  startSavingsFee: (req: { userId: number }) => Promise<SavingsPaymentOutcome>;
  loadSavingsFigures: (req: { userId: number }) => Promise<SavingsFigures>;
  /** Pushes a deposit of `amount` XOF by mobile money to the caller's phone. */
  startSavingsDeposit: (req: { userId: number; amount: number }) => Promise<SavingsPaymentOutcome>;
  /** Asks an agent for a withdrawal of `amount` XOF (re-checked against what is available, under the lock). */
  requestSavingsWithdrawal: (req: { userId: number; amount: number }) => Promise<WithdrawalOutcome>;
  /** The movements, newest first, 5 a page (page 1: the last 5). */
  savingsMiniStatement: (req: { userId: number; lang: Lang; page: number }) => Promise<MiniStatementPage>;
  /** The savings line of "2. Mes soldes" (an open account's balance), or null without one. */
  loadSavingsLine: (req: { userId: number; lang: Lang }) => Promise<string | null>;
}

/** Why the caller may not apply, as "5. Prets" says it (a loan in progress shows its status instead). */
export type LoanRefusal = 'no_savings_account' | 'savings_too_recent' | 'savings_too_low';

/** An application's steps, then its loan's once disbursed: what "Ma demande" says in words. */
export type LoanRequestStatus =
  | 'soumis'
  | 'en_cours_examen'
  | 'transfere_admin'
  | 'accorde'
  | 'rejete'
  | 'decaisse'
  | 'en_remboursement'
  | 'en_defaut'
  | 'solde';

/** The caller's application in progress, else their newest one (XOF amounts). */
export interface LoanRequestView {
  status: LoanRequestStatus;
  /** The application's reference, as staff find it. */
  ref: string;
  /** Asked for, or once granted the amount lent, and its months. */
  amount: number;
  months: number;
  /** The granted loan's regular instalment (0 before the grant). */
  instalment: number;
  /** Why it was rejected (rejete). */
  reason: string | null;
}

/**
 * Where the caller stands for "5. Prets": `eligible` (may apply for `minAmount` to `maxAmount`),
 * `refused` (`refusal` says why; `savings_too_recent`: from `eligibleFrom`, DD/MM/YYYY), `pending` (an
 * application, or a granted loan not yet disbursed: its status), `repaying` (a disbursed loan not solde).
 */
export interface LoansSummary {
  state: 'eligible' | 'refused' | 'pending' | 'repaying';
  refusal: LoanRefusal | null;
  eligibleFrom: string;
  minAmount: number;
  maxAmount: number;
  request: LoanRequestView | null;
}

/**
 * What the caller's loan asks now (XOF): its oldest unpaid instalment (`dueDate` DD/MM/YYYY, what remains
 * of it, its penalties), what is overdue (penalties included), what is due now, what would close it today.
 */
export interface LoanDueView {
  months: number;
  next: { n: number; dueDate: string; total: number; penalty: number } | null;
  overdue: number;
  dueNow: number;
  payoff: number;
}

export const LOAN_PURPOSE_CHOICES = [
  'commerce',
  'agriculture',
  'education',
  'sante',
  'logement',
  'autre',
] as const;
export type LoanPurposeChoice = (typeof LOAN_PURPOSE_CHOICES)[number];

/** What submitting an application led to: sent (its reference), or refused for a reason re-checked then. */
export type LoanApplyOutcome =
  { outcome: 'sent'; ref: string } | { outcome: 'not_eligible' | 'amount_over_limit' | 'loan_in_progress' };

/**
 * A repayment pushed to the phone, one already pending, nothing left to repay, or more than is left now
 * (another payment arrived since the screen).
 */
export type LoanRepaymentOutcome = 'started' | 'pending' | 'nothing_due' | 'above_payoff';

/** The loans menu's domain calls (the loans module contributes them: src/loans/menu-services.ts). */
export interface LoansMenuServices {
  loadLoans: (req: { userId: number }) => Promise<LoansSummary>;
  /** The estimated monthly instalment of `amount` over `months` at the indicative rate. */
  quoteLoan: (req: { amount: number; months: number }) => Promise<number>;
  /** The application from the phone (channel ussd), as the client. */
  submitLoanApplication: (req: {
    userId: number;
    amount: number;
    months: number;
    purpose: LoanPurposeChoice;
  }) => Promise<LoanApplyOutcome>;
  loadLoanDue: (req: { userId: number }) => Promise<LoanDueView>;
  /** Pushes a repayment of `amount` XOF by mobile money to the caller's phone. */
  startLoanRepayment: (req: { userId: number; amount: number }) => Promise<LoanRepaymentOutcome>;
  /** The loan line of "2. Mes soldes" (a disbursed loan not solde), or null without one. */
  loadLoanLine: (req: { userId: number; lang: Lang }) => Promise<string | null>;
}

/**
 * The domain calls menus may invoke, with their input and output types. The tontine ones are optional
 * here so each module can type its own part (accounts: these, tontines: TontineMenuServices); a flow
 * whose service no module gave fails at its `required()` placeholder.
 */
export interface MenuServices
  extends
    Partial<TontineMenuServices>,
    Partial<DisputeMenuServices>,
    Partial<SavingsMenuServices>,
    Partial<LoansMenuServices> {
  listSfds: () => Promise<SfdOption[]>;
  registerClient: (req: RegistrationRequest) => Promise<{ userId: number; firstName: string }>;
  verifyPin: (req: { userId: number; pin: string }) => Promise<PinCheck>;
  /** `phone`: the caller, whose cached identity the change makes stale. */
  setPin: (req: { userId: number; phone: string; pin: string }) => Promise<void>;
  sendResetCode: (req: { userId: number }) => Promise<void>;
  verifyResetCode: (req: { userId: number; code: string }) => Promise<CodeCheck>;
  setLanguage: (req: { userId: number; phone: string; lang: Lang }) => Promise<Lang>;
  loadProfile: (req: { userId: number }) => Promise<Profile>;
}

/** A placeholder actor: the machine names what it needs, the composition root supplies it. */
export function required<O, I>(name: string) {
  return fromPromise<O, I>(() => Promise.reject(new Error(`menu actor '${name}' was not provided`)));
}

/**
 * The key that seals an ID number in a registration context (which rests in Redis between hops, in the
 * session and resume keys): derived from the machines' key, for this purpose only.
 */
export const idNumberKey = (pinKey: string) => deriveKey(pinKey, 'ussd-id-number');

export const PIN_RE = /^\d{4}$/;
export const NAME_RE = /^[\p{L}][\p{L} '-]{1,39}$/u;
export const ID_NUMBER_RE = /^[A-Za-z0-9-]{5,20}$/;

/** Guards shared by every machine. */
export const is =
  (...choices: string[]) =>
  ({ event }: { event: InputEvent }) =>
    choices.includes(event.value);

export const matches =
  (re: RegExp) =>
  ({ event }: { event: InputEvent }) =>
    re.test(event.value.trim());

/** Digits in 1..n, for numbered lists. */
export function listIndex(value: string, length: number): number | null {
  if (!/^\d{1,3}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= length ? n - 1 : null;
}

/** An XOF amount as a client reads it: "5 000" (a plain space between thousands, GSM-7). */
export function fcfa(amount: number): string {
  return String(Math.trunc(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
