import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TFunction } from 'i18next';
import {
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateNode,
  type EventObject,
} from 'xstate';
import { getShortestPaths, getStateNodes } from 'xstate/graph';
import {
  definitions,
  type BalanceLine,
  type FeeDue,
  type ParticipationOption,
  type TontineOption,
  type FlowName,
  type Lang,
  type MenuInput,
  type Profile,
  type ScreenMeta,
  type SavingsSummary,
  type LoansSummary,
  type LoanRequestStatus,
  type SfdOption,
} from '../../../menus';
import { t } from '../../../src/infra/i18n';
import { foldToGsm7, gsm7Length, isGsm7 } from '../../../src/shared/gsm7';
import { paginate, screenText } from '../../../src/ussd/render';

/**
 * Every state of every menu machine, reached by xstate/graph, rendered as the engine renders it, in
 * French and English, with long realistic values: each page a phone gets must be GSM-7 and fit
 * USSD_SCREEN_LIMIT, and no screen may show a placeholder or a translation key.
 */
const LIMIT = 182; // USSD_SCREEN_LIMIT's default, what Africa's Talking lets through
const LANGS: Lang[] = ['fr', 'en'];
// PIN_LOCK_MINUTES at its maximum: the longest "locked" text; the longest USSD_SERVICE_CODE (20
// characters) and its account shortcut, for the help screen.
const PARAMS = { minutes: 1440, accountCode: '*384*123456*7890123*6#' };
const flows = definitions('test-key');
const tr: Record<Lang, TFunction> = { fr: t('fr', 'ussd'), en: t('en', 'ussd') };
const localesDir = join(__dirname, '../../../locales');

// ---- Long, realistic values --------------------------------------------------------------------

/** 20 SFDs (more than a screen holds, so the list paginates), with the long names real ones have. */
const SFD_NAMES = [
  "Caisse Rurale d'Epargne et de Pret de Tanguieta",
  'Federation des Caisses Mutuelles pour le Developpement Economique et Social du Zou et des Collines',
  'PADME - Association pour la Promotion et l’Appui au Développement des Micro-Entreprises',
  'Vital Finance Bénin',
  'FECECAM - Caisse Locale d’Abomey-Calavi',
  'ALIDé - Association de Lutte pour l’Intégration et le Développement',
  'Mutuelle d’Épargne et de Crédit des Femmes Commerçantes de Dantokpa',
  'CLCAM de Djougou',
  'Caisse Villageoise d’Épargne et de Crédit Autogérée de Ouessè',
  'Réseau des Caisses d’Épargne et de Crédit des Producteurs de Coton du Borgou',
  'Finadev Bénin',
  'Coopérative d’Épargne et de Crédit « Sèmè Podji Solidarité »',
  'Mutuelle Renaissance de Porto-Novo',
  'COOPEC Natitingou – Atacora',
  'Caisse Mutuelle d’Épargne et de Crédit des Artisans de Bohicon',
  'SIAN’SON Microfinance',
  'Mutuelle des Travailleurs de l’Économie Informelle de Parakou',
  'Caisse d’Épargne et de Crédit des Pêcheurs de Grand-Popo',
  'Association Béninoise pour la Promotion de l’Entrepreneuriat Féminin en Milieu Rural et Périurbain',
  'Mutuelle de Lokossa',
];
const SFDS: SfdOption[] = SFD_NAMES.map((label, i) => ({ id: i + 1, label }));
/** At most 40 characters (NAME_RE), accents a French keyboard types, some outside GSM-7. */
const NAME = 'françoise-noëlle ahouéfa dossou-yovô';
const ID_NUMBER = 'CI-0042871-BJ';

const profile = (kyc: Profile['kyc']): Profile => ({
  firstName: 'Marie-Thérèse Ahouéfa Geneviève',
  lastName: 'Dossou-Yovo Agbanrin-Elisha',
  sfdName: SFD_NAMES[1],
  kyc,
});

/** 12 tontines (the list paginates), long names, the widest amounts a stake range shows. */
const TONTINES: TontineOption[] = SFD_NAMES.slice(0, 12).map((name, i) => ({
  id: i + 1,
  name: `Tontine ${name}`.slice(0, 120),
  stakeMin: 200,
  stakeMax: 5_000 + i * 100_000,
  joiningFee: 2_500_000,
}));
const PARTICIPATIONS: ParticipationOption[] = TONTINES.slice(0, 6).map((t, i) => ({
  participantId: i + 1,
  name: t.name,
  stake: 1_000_000,
}));
/** The second has less available than its smallest withdrawal: "Retirer" ends at once. */
const BALANCES: BalanceLine[] = TONTINES.slice(0, 8).map((t, i) => ({
  label: `${t.name}: 123 456 789 FCFA, Carnet 12: 31/31`,
  participantId: i + 1,
  name: t.name,
  balance: 123_456_789,
  cycle: 12,
  boxesPaid: 31,
  available: i === 1 ? 0 : 123_456_789,
  minWithdrawal: 100_000_000,
}));
const FEES: FeeDue[] = TONTINES.slice(0, 3).map((t, i) => ({
  adhesionId: i + 1,
  name: t.name,
  fee: 2_500_000,
}));

/** Every status of the savings menu, with the widest fee and the longest reason an agent may write. */
const SAVINGS: SavingsSummary[] = (
  ['none', 'en_cours_creation', 'validee_agent', 'paiement_effectue', 'actif', 'suspendu', 'rejete'] as const
).map((status) => ({
  status,
  accountNumber: status === 'none' ? '' : 'CSC-1234567-8',
  fee: 5_000,
  reason: status === 'rejete' ? `Piece d'identite illisible, ${NAME}. `.repeat(12).slice(0, 500) : null,
}));
/** The longest mini statement lines: 5 a page. */
const STATEMENT = Array.from({ length: 5 }, () => ({ label: '31/12 -999 999 999 Retrait (annule)' }));

const loanRequest = (status: LoanRequestStatus) => ({
  status,
  ref: '999999999',
  amount: 999_999_995,
  months: 60,
  instalment: 999_999_995,
  reason: status === 'rejete' ? `Revenus insuffisants, ${NAME}. `.repeat(12).slice(0, 500) : null,
});
const loansSummary = (over: Partial<LoansSummary>): LoansSummary => ({
  state: 'eligible',
  refusal: null,
  eligibleFrom: '',
  minAmount: 10_000,
  maxAmount: 500_000,
  request: null,
  ...over,
});
/** Every state of "5. Prets": eligible (with an earlier request or none), refused, each status in progress. */
const LOANS: LoansSummary[] = [
  loansSummary({}),
  loansSummary({ maxAmount: 999_999_995, request: loanRequest('rejete') }),
  loansSummary({ maxAmount: 999_999_995, request: loanRequest('solde') }),
  loansSummary({ state: 'refused', refusal: 'no_savings_account', maxAmount: 0 }),
  loansSummary({ state: 'refused', refusal: 'savings_too_recent', eligibleFrom: '31/12/2026', maxAmount: 0 }),
  loansSummary({ state: 'refused', refusal: 'savings_too_low', maxAmount: 0 }),
  ...(['soumis', 'en_cours_examen', 'transfere_admin', 'accorde'] as const).map((status) =>
    loansSummary({ state: 'pending', maxAmount: 0, request: loanRequest(status) }),
  ),
  ...(['decaisse', 'en_remboursement', 'en_defaut'] as const).map((status) =>
    loansSummary({ state: 'repaying', maxAmount: 0, request: loanRequest(status) }),
  ),
];

/**
 * What each invoked service may answer. The traversal is pure (`logic.transition`): it does not run
 * promise actors, so their results are given as `xstate.done.actor.<id>` / `xstate.error.actor.<id>`
 * events, one per possible outcome.
 */
const OUTCOMES: Record<string, unknown[]> = {
  listSfds: [SFDS, []],
  registerClient: [{ userId: 42, firstName: 'Françoise-Noëlle' }],
  verifyPin: ['ok', 'wrong', 'locked'],
  setPin: [undefined],
  sendResetCode: [undefined],
  verifyResetCode: ['ok', 'wrong', 'expired'],
  setLanguage: ['fr', 'en'],
  loadProfile: [profile('pending'), profile('verified'), profile('rejected')],
  listTontines: [TONTINES, TONTINES.slice(0, 1), []],
  submitAdhesion: ['sent', 'already', 'closed'],
  listParticipations: [PARTICIPATIONS, PARTICIPATIONS.slice(0, 1), []],
  quoteContribution: [
    { amount: 31_000_000, commission: 1_000_000, cycle: 12, boxesPaid: 31 },
    { amount: 31_000_000, commission: 0, cycle: 12, boxesPaid: 31 },
  ],
  startContribution: [undefined],
  loadBalances: [BALANCES, BALANCES.slice(0, 1), []],
  requestWithdrawal: ['sent', 'insufficient', 'below_min'],
  feeDue: [true, false],
  listFeesDue: [FEES, FEES.slice(0, 1), []],
  startFeePayment: ['started', 'joined', 'pending'],
  findDisputableReceipt: [
    {
      outcome: 'found',
      receipt: { code: 'K7M2QX', amount: 31_000_000, date: '31/12/2026 23:59', agent: `${NAME} ${NAME}` },
    },
    { outcome: 'unknown' },
    { outcome: 'late' },
    { outcome: 'already' },
  ],
  openDispute: ['opened', 'unknown', 'late', 'already'],
  loadSavings: SAVINGS,
  requestSavingsOpening: ['sent', 'already'],
  startSavingsFee: ['started', 'pending'],
  loadSavingsFigures: [
    { accountNumber: 'CSC-1234567-8', balance: 999_999_999, held: 999_999_999, available: 999_999_999 },
    { accountNumber: 'CSC-1234567-8', balance: 999_999_999, held: 0, available: 999_999_999 },
    { accountNumber: 'CSC-1234567-8', balance: 5_000, held: 0, available: 5_000 },
    { accountNumber: 'CSC-1234567-8', balance: 400, held: 0, available: 400 },
  ],
  startSavingsDeposit: ['started', 'pending'],
  requestSavingsWithdrawal: ['sent', 'insufficient', 'below_min'],
  savingsMiniStatement: [
    { page: 1, pages: 999, lines: STATEMENT },
    { page: 2, pages: 2, lines: STATEMENT.slice(0, 1) },
    { page: 1, pages: 1, lines: [] },
  ],
  loadSavingsLine: ['Epargne CSC-1234567-8: 999 999 999 FCFA', null],
  loadLoans: LOANS,
  quoteLoan: [999_999_995],
  submitLoanApplication: [
    { outcome: 'sent', ref: '999999999' },
    { outcome: 'not_eligible' },
    { outcome: 'amount_over_limit' },
    { outcome: 'loan_in_progress' },
  ],
  loadLoanDue: [
    {
      months: 60,
      next: { n: 60, dueDate: '31/12/2031', total: 999_999_995, penalty: 999_999_995 },
      overdue: 999_999_995,
      dueNow: 999_999_995,
      payoff: 999_999_995,
    },
    {
      months: 60,
      next: { n: 60, dueDate: '31/12/2031', total: 999_999_995, penalty: 0 },
      overdue: 0,
      dueNow: 999_999_995,
      payoff: 999_999_995,
    },
    { months: 12, next: null, overdue: 0, dueNow: 0, payoff: 50 },
    { months: 12, next: null, overdue: 0, dueNow: 0, payoff: 0 },
  ],
  startLoanRepayment: ['started', 'pending', 'nothing_due', 'above_payoff'],
  loadLoanLine: ['Pret: reste 999 999 995 FCFA, proch. echeance 31/12', null],
};

/**
 * What a client types: menu choices, a long name, an ID, a good PIN, a weak PIN, a 6-digit code, a
 * receipt code.
 */
const INPUTS = [
  ...['1', '2', '3', '4', '5', '6', '7', '8', '9', NAME, ID_NUMBER, '5820', '1111', '482913', 'k7m2qx'],
  // Withdrawal amounts: within the range, above what is available.
  ...['100000000', '999999999'],
];

/**
 * The events a snapshot can take: every input, and the outcomes of the services its state invokes (an
 * outcome sent to a state that does not invoke the service would put the snapshot in error).
 */
function eventsFor(snap: AnyMachineSnapshot): EventObject[] {
  const events: EventObject[] = INPUTS.map((value) => ({ type: 'INPUT', value }));
  for (const { id, src } of snap._nodes.flatMap((node) => node.invoke)) {
    const outcomes = OUTCOMES[String(src)];
    if (!outcomes) throw new Error(`no outcomes for the invoked service '${String(src)}'`);
    for (const output of outcomes) events.push({ type: `xstate.done.actor.${id}`, output } as EventObject);
    events.push({ type: `xstate.error.actor.${id}`, error: new Error('down') } as EventObject);
  }
  return events;
}

/** One snapshot per distinct (state, context) the machine can reach from its start in French. */
function reachedSnapshots(name: FlowName): AnyMachineSnapshot[] {
  const { machine } = flows[name];
  const input: MenuInput = {
    phone: '+2290197000001',
    lang: 'fr',
    userId: name === 'registration' ? null : 7,
  };
  const paths = getShortestPaths(machine, { input, events: eventsFor });
  return paths.map((p) => p.state as AnyMachineSnapshot);
}

// ---- Rendering, as the engine does it ----------------------------------------------------------

function stateMeta(snap: AnyMachineSnapshot): ScreenMeta {
  const metas = Object.values(snap.getMeta()) as ScreenMeta[];
  return metas[metas.length - 1] ?? {};
}

/** Leaf keys of a locale file, as dotted paths. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}
const USSD_KEYS = keyPaths(JSON.parse(readFileSync(join(localesDir, 'fr', 'ussd.json'), 'utf8')));

interface Screen {
  where: string;
  kind: 'CON' | 'END';
  pages: string[];
}

/** The pages a CON screen is sent as (RenderState + show in the engine), optionally after a notice. */
function conScreen(snap: AnyMachineSnapshot, lang: Lang, prefix?: string): string[] {
  const meta = stateMeta(snap);
  const text = screenText(tr[lang], meta, snap.context as Record<string, unknown>, PARAMS);
  return paginate(
    prefix ? `${prefix}\n${text}` : text,
    LIMIT,
    tr[lang]('common.more'),
    meta.root ? null : tr[lang]('common.footer'),
  );
}

/**
 * The first screen of a flow, as the engine starts it: a first state that loads something (the main
 * menu, the fee flow) is settled with its service's first outcome (the main menu: a fee due).
 */
function initialSnapshot(flow: FlowName, lang: Lang): AnyMachineSnapshot {
  const input: MenuInput = { phone: '+2290197000001', lang, userId: 7 };
  const { machine } = flows[flow];
  let [snap] = initialTransition(machine, input);
  while (snap.hasTag('busy')) {
    const [{ id, src }] = snap._nodes.flatMap((node) => node.invoke);
    const done = { type: `xstate.done.actor.${id}`, output: OUTCOMES[String(src)][0] } as EventObject;
    [snap] = transition(machine, snap, done);
  }
  return snap;
}

/** Every screen a reached state can put on a phone. */
function screensOf(name: FlowName, snap: AnyMachineSnapshot, lang: Lang): Screen[] {
  const meta = stateMeta(snap);
  const where = `${name}.${JSON.stringify(snap.value)} [${lang}]`;
  const context = snap.context as Record<string, unknown>;
  if (snap.status === 'done') {
    if (meta.goto) {
      // The engine starts the next flow and shows the notice above its first screen.
      const notice = meta.notice ? tr[lang](meta.notice) : undefined;
      if (meta.notice) expect(notice).not.toBe(meta.notice);
      return [{ where, kind: 'CON', pages: conScreen(initialSnapshot(meta.goto, lang), lang, notice) }];
    }
    const key = meta.end ?? 'common.goodbye';
    const text = foldToGsm7(tr[lang](key, { ...PARAMS, ...context }));
    expect({ where, text }).not.toEqual({ where, text: key });
    return [{ where, kind: 'END', pages: [text] }];
  }
  if (snap.hasTag('busy')) return []; // the engine waits for the service; nothing is shown
  expect({ where, screen: meta.screen ?? meta.list }).toEqual({ where, screen: expect.any(String) });
  if (meta.screen) expect({ where, text: tr[lang](meta.screen) }).not.toEqual({ where, text: meta.screen });
  return [
    { where, kind: 'CON', pages: conScreen(snap, lang) },
    // After an invalid input the same screen comes back under what was wrong (meta.invalid), or
    // "Choix invalide."
    {
      where: `${where} after an invalid input`,
      kind: 'CON',
      pages: conScreen(snap, lang, tr[lang](meta.invalid ?? 'common.invalid')),
    },
  ];
}

function checkScreen({ where, kind, pages }: Screen): void {
  expect(pages.length).toBeGreaterThan(0);
  pages.forEach((page, i) => {
    const at = `${where} ${kind} page ${i + 1}/${pages.length}:\n${page}`;
    expect({ at, gsm7: isGsm7(page) }).toEqual({ at, gsm7: true });
    expect({ at, septets: gsm7Length(page) <= LIMIT }).toEqual({ at, septets: true });
    expect({ at, empty: page.trim() === '' }).toEqual({ at, empty: false });
    expect({ at, placeholder: /\{\{|\}\}|\$t\(/.test(page) }).toEqual({ at, placeholder: false });
    const leakedKey = USSD_KEYS.find((key) => page.includes(key));
    expect({ at, leakedKey }).toEqual({ at, leakedKey: undefined });
  });
}

// ---- The walk ----------------------------------------------------------------------------------

describe.each(Object.keys(flows) as FlowName[])('menu machine %s', (name) => {
  const { machine } = flows[name];
  const walked = reachedSnapshots(name);

  it('reaches every one of its states', () => {
    const all = (getStateNodes(machine.root) as AnyStateNode[]).map((n) => n.id);
    const reached = new Set(walked.flatMap((s) => s._nodes.map((n) => n.id)));
    expect(all.filter((id) => !reached.has(id))).toEqual([]);
    expect(all.length).toBeGreaterThan(2);
  });

  it.each(LANGS)('renders every screen, every page, in %s: GSM-7, within the limit, translated', (lang) => {
    let screens = 0;
    for (const snap of walked) {
      for (const screen of screensOf(name, snap, lang)) {
        checkScreen(screen);
        screens++;
      }
    }
    expect(screens).toBeGreaterThan(0);
  });
});

it('paginates the 20-SFD list into several pages, each ending with "98. Suite" but the last', () => {
  const snap = reachedSnapshots('registration').find((s) => s.value === 'sfd');
  expect(snap).toBeDefined();
  const pages = conScreen(snap as AnyMachineSnapshot, 'fr');
  expect(pages.length).toBeGreaterThan(2);
  pages.slice(0, -1).forEach((page) => expect(page.endsWith('\n98. Suite')).toBe(true));
  expect(pages[pages.length - 1].endsWith('\n0. Retour 00. Accueil')).toBe(true);
  const listed = pages.join('\n').match(/^\d+\. /gm) ?? [];
  expect(listed.filter((n) => Number(n.slice(0, -2)) <= SFDS.length).length).toBeGreaterThanOrEqual(
    SFDS.length,
  );
});

it.each(LANGS)('renders the screens the engine adds around the machines in %s', (lang) => {
  const ends = [
    'common.too_many_invalid',
    'common.unavailable',
    'common.failed',
    'common.suspended',
    'common.staff_only',
    'common.goodbye',
    'common.invalid_phone',
    'common.wrong_phone',
  ];
  for (const key of ends) {
    checkScreen({ where: key, kind: 'END', pages: [foldToGsm7(tr[lang](key, PARAMS))] });
  }
  for (const flow of Object.keys(flows)) {
    const prompt = tr[lang]('resume.prompt', { flow: tr[lang](`flows.${flow}`) });
    for (const prefix of [undefined, tr[lang]('common.invalid')]) {
      const text = prefix ? `${prefix}\n${prompt}` : prompt;
      checkScreen({
        where: `resume ${flow}`,
        kind: 'CON',
        pages: paginate(text, LIMIT, tr[lang]('common.more'), null),
      });
    }
  }
});

describe('locales', () => {
  const files = (lang: Lang) =>
    readdirSync(join(localesDir, lang))
      .filter((f) => f.endsWith('.json'))
      .sort();

  it('has the same namespace files in fr and en', () => {
    expect(files('en')).toEqual(files('fr'));
    expect(files('fr')).toContain('ussd.json');
  });

  it.each(files('fr'))('has the same keys in fr and en: %s', (file) => {
    const keys = (lang: Lang) =>
      keyPaths(JSON.parse(readFileSync(join(localesDir, lang, file), 'utf8'))).sort();
    expect(keys('en')).toEqual(keys('fr'));
    expect(keys('fr').length).toBeGreaterThan(0);
  });
});
