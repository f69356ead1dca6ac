import type { SmsKeyword } from '../notifications/inbound';
import { formatXof } from '../shared/money';
import type { StatementsService } from './statements';

/**
 * `RELEVE` (French) / `STATEMENT` (English): the mini statement by SMS — the savings account's last
 * MINI_STATEMENT_SIZE movements and its balance, in one SMS of at most two GSM-7 parts. The inbound SMS
 * service answers only the sender's own number, and only an active client of ours (notifications/
 * inbound.ts); a client without a savings account, or whose account is not open, is told so.
 */
export function statementKeyword(statements: StatementsService, ussd: string): SmsKeyword {
  return {
    name: 'statement',
    words: { RELEVE: 'fr', STATEMENT: 'en' },
    answer: async (manager, caller, _args, lang) => {
      const mini = await statements.miniStatement(caller.id, 1, lang, manager);
      if (mini.status === 'none') return { template: 'savings_statement.no_account', params: { ussd } };
      if (mini.status === 'not_open') return { template: 'savings_statement.not_open', params: { ussd } };
      const params = { account: mini.accountNumber, balance: formatXof(mini.balance), ussd };
      if (mini.lines.length === 0) return { template: 'savings_statement.empty', params };
      return {
        template: 'savings_statement.mini',
        params: { ...params, lines: mini.lines.map((l) => l.text).join('; ') },
      };
    },
  };
}
