import { i18n, t, type Lang } from '../infra/i18n';
import { formatXof } from '../shared/money';

/**
 * At most this many accounts are listed in a balance SMS: with the longest labels, references and
 * amounts the reply still fits two SMS parts (test/unit/notifications/sms-templates.test.ts renders
 * that worst case). The rest is counted ("+3 autres"); USSD shows every account.
 */
export const MAX_LISTED = 5;

/** What a balance line needs from a ledger account. */
export interface Balance {
  kind: string;
  code: string;
  balance: number;
}

/**
 * "Epargne 77: 12 500 FCFA; Tontine 812: 3 000 FCFA". The label comes from the account's kind
 * (`inbound.kinds.<kind>` in locales/<lang>/sms.json, else a generic "Compte"); the number is the
 * business record's id from the account code (`savings:77`, `loan:19:principal`), so a client with
 * two savings accounts can tell them apart.
 */
export function formatBalances(lang: Lang, accounts: Balance[]): string {
  const tr = t(lang, 'sms');
  const lines = accounts.slice(0, MAX_LISTED).map((a) => {
    const key = `inbound.kinds.${a.kind}`;
    // A kind is plain words; anything else (':' or '.' would be read as i18next separators) is generic.
    const known = /^[a-z0-9_-]+$/.test(a.kind) && i18n().exists(key, { lng: lang, ns: 'sms' });
    const label = known ? tr(key) : tr('inbound.kinds.other');
    const ref = /^\d+$/.exec(a.code.split(':')[1] ?? '')?.[0];
    return `${label}${ref ? ` ${ref}` : ''}: ${formatXof(a.balance)} FCFA`;
  });
  const more = accounts.length - MAX_LISTED;
  if (more > 0) lines.push(tr('inbound.more', { others: more }));
  return lines.join('; ');
}
