import type { EntityManager } from 'typeorm';
import type { Caller } from '../accounts/client-self-service';
import { normalizeMobile } from '../accounts/phone';
import type { Deps } from '../deps';
import type { Lang } from '../infra/i18n';
import { accountsOwnedBy } from '../ledger/service';
import { formatBalances } from './balance-text';
import { SmsOptOut } from './entities';

export type Keyword = 'balance' | 'help' | 'stop' | 'start' | 'other';

/** The keywords a client may text, and the language each one speaks (for a number we do not know). */
const KEYWORDS: Record<string, { keyword: Keyword; lang: Lang }> = {
  SOLDE: { keyword: 'balance', lang: 'fr' },
  BALANCE: { keyword: 'balance', lang: 'en' },
  AIDE: { keyword: 'help', lang: 'fr' },
  HELP: { keyword: 'help', lang: 'en' },
  ARRET: { keyword: 'stop', lang: 'fr' },
  STOP: { keyword: 'stop', lang: 'en' },
  REPRISE: { keyword: 'start', lang: 'fr' },
  START: { keyword: 'start', lang: 'en' },
};

/** The first word, trimmed, upper-cased, without accents or punctuation, and the words after it. */
function wordsOf(text: string): { word: string; args: string[] } {
  const [first = '', ...args] = text.normalize('NFD').replace(/\p{M}/gu, '').trim().split(/\s+/);
  return { word: first.toUpperCase().replace(/[^A-Z0-9]/g, ''), args };
}

/**
 * The first word as a keyword: " arrêt " and "Stop!" are keywords as much as "ARRET" and "STOP".
 * Anything else is `other` (answered with the help, in French).
 */
export function parseKeyword(text: string): { keyword: Keyword; lang: Lang } {
  return KEYWORDS[wordsOf(text).word] ?? { keyword: 'other', lang: 'fr' };
}

/**
 * A keyword another module answers (contract.ts `smsKeywords`, registered by modules.ts): `NON <code>`
 * disputes a cash receipt (tontines). Consulted before the built-in ones. Only an active client of
 * ours gets its answer: anyone else gets the usual unknown-number or suspended reply, and `answer` is
 * not called.
 */
export interface SmsKeyword {
  /** What the outcome and the log line call it (`dispute`). */
  name: string;
  /** Its words, upper-case without accents, and the language each speaks to a number we do not know. */
  words: Record<string, Lang>;
  /**
   * The reply to `caller`, in `manager`'s transaction (what it changes commits with the reply, or not
   * at all); `args` are the words after the keyword as typed; `lang` is the reply's language. Called
   * even when the sender is throttled (the reply is then not sent), like STOP still stops.
   */
  answer(manager: EntityManager, caller: Caller, args: string[], lang: Lang, at: Date): Promise<Reply>;
}

/** An incoming SMS as Africa's Talking posts it (only what the answer needs). */
export interface InboundMessage {
  /** AT's message id: a retried callback carries the same one. */
  id?: string;
  from: string;
  text: string;
}

export type InboundOutcome =
  | { result: 'invalid_sender' }
  | {
      result: 'duplicate' | 'replied' | 'throttled';
      /** A built-in keyword, or the `name` of a registered one. */
      keyword: Keyword | (string & {});
      phone: string;
    };

/**
 * Replies to a client who wrote too often stop for the hour: it bounds what a flood (or two
 * auto-responders answering each other) costs in SMS. STOP and START still take effect, silently.
 */
export const INBOUND_REPLIES_PER_HOUR = 10;

/** The only thing the inbound service asks of the accounts module. */
export interface CallerLookup {
  findByPhone(phone: string): Promise<Caller | null>;
}

export interface Reply {
  template: string;
  params?: Record<string, unknown>;
}

/**
 * Answers the keywords clients text to the SFD's number. Every answer goes to the sender's own number
 * through the outbox, in the same transaction as the change it confirms, with the dedupe key
 * `inbound:<AT id>:reply`: a retried callback finds the key used and changes nothing again.
 */
export class InboundSms {
  private readonly registered = new Map<string, SmsKeyword>();

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'outbox' | 'kv' | 'clock' | 'config'>,
    private readonly callers: CallerLookup,
  ) {}

  /** Adds another module's keyword; a word already taken (built in or registered) is a boot error. */
  register(keyword: SmsKeyword): void {
    const words = Object.keys(keyword.words);
    const taken = words.find((word) => KEYWORDS[word] || this.registered.has(word));
    if (taken) throw new Error(`SMS keyword ${taken} is taken`);
    for (const word of words) this.registered.set(word, keyword);
  }

  async handle(msg: InboundMessage): Promise<InboundOutcome> {
    // A sender id, a short code, garbage or a number that is no mobile's: a forged callback (answering
    // a toll-free or premium-rate "sender" would spend our SMS on whatever the forger chose), nothing to
    // change, and not even a throttle counter in Redis.
    const phone = normalizeMobile(msg.from);
    if (!phone) return { result: 'invalid_sender' };
    const { word, args } = wordsOf(msg.text);
    const module = this.registered.get(word);
    const parsed = module ? { keyword: module.name, lang: module.words[word] } : parseKeyword(msg.text);
    const { keyword } = parsed;
    const caller = await this.callers.findByPhone(phone);
    // Someone we know reads their own language, whatever the keyword's.
    const lang = caller?.language ?? parsed.lang;
    const sends = await this.deps.kv.incr(`sms:inbound:${phone}`, 3600);
    const throttled = sends > INBOUND_REPLIES_PER_HOUR;

    return this.deps.db.transaction(async (manager) => {
      // A module's keyword acts even when the reply is throttled (like STOP below).
      const moduleReply = module && (await this.moduleReply(manager, module, caller, args, lang));
      if (!throttled) {
        const reply = moduleReply || (await this.reply(manager, keyword as Keyword, caller, lang));
        const queued = await this.deps.outbox.queue(manager, {
          to: phone,
          kind: 'info', // an answer, not a reminder: it goes even to a phone that said STOP
          lang,
          ...reply,
          dedupeKey: msg.id ? `inbound:${msg.id}:reply` : undefined,
        });
        // Answered already: a late retry of an old STOP must not undo a START sent since.
        if (!queued) return { result: 'duplicate', keyword, phone };
      }
      if (keyword === 'stop') await this.optOut(manager, phone);
      if (keyword === 'start') await manager.delete(SmsOptOut, { phone });
      return { result: throttled ? 'throttled' : 'replied', keyword, phone };
    });
  }

  /** A registered keyword's reply: only to an active client; anyone else as SOLDE answers them. */
  private async moduleReply(
    manager: EntityManager,
    module: SmsKeyword,
    caller: Caller | null,
    args: string[],
    lang: Lang,
  ): Promise<Reply> {
    if (!caller || caller.role !== 'client') {
      return { template: 'inbound.unknown_number', params: { ussd: this.deps.config.USSD_SERVICE_CODE } };
    }
    if (caller.status !== 'active') return { template: 'inbound.suspended' };
    return module.answer(manager, caller, args, lang, this.deps.clock.now());
  }

  private async reply(
    manager: EntityManager,
    keyword: Keyword,
    caller: Caller | null,
    lang: Lang,
  ): Promise<Reply> {
    const ussd = this.deps.config.USSD_SERVICE_CODE;
    switch (keyword) {
      case 'balance': {
        // Balances only ever go to the client's own registered number, which is the sender's.
        if (!caller || caller.role !== 'client')
          return { template: 'inbound.unknown_number', params: { ussd } };
        if (caller.status !== 'active') return { template: 'inbound.suspended' };
        const accounts = await accountsOwnedBy(manager, caller.id);
        if (accounts.length === 0) return { template: 'inbound.no_accounts', params: { ussd } };
        return { template: 'inbound.balances', params: { balances: formatBalances(lang, accounts), ussd } };
      }
      case 'stop':
        return { template: 'inbound.stopped' };
      case 'start':
        return { template: 'inbound.started' };
      default:
        return { template: 'inbound.help', params: { ussd } };
    }
  }

  /** INSERT IGNORE: a phone already opted out stays so, with its first date. */
  private async optOut(manager: EntityManager, phone: string): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(SmsOptOut)
      .values({ phone, createdAt: this.deps.clock.now() })
      .orIgnore()
      .execute();
  }
}
