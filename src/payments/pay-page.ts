import { z } from 'zod';
import type { Deps } from '../deps';
import { notFound } from '../http/errors';
import { route, type RouteSpec } from '../http/route';
import { formatXof } from '../shared/money';
import { paymentLinkKey, readPaymentLink } from './payment-link';

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const EXPIRED_PAGE =
  '<!doctype html><meta charset="utf-8"><title>TontiFlex</title><p>Ce lien de paiement a expire.</p>';

/**
 * GET /pay/:token — the page a KKiaPay payment link opens (smartphone clients): it shows what is paid
 * and opens KKiaPay's widget for exactly that amount, with our reference as `partnerId`, so the webhook
 * and its verification find the payment.
 */
export function payPageRoutes(deps: Pick<Deps, 'config' | 'clock'>): RouteSpec[] {
  const key = paymentLinkKey(deps.config);
  return [
    route({
      method: 'get',
      path: '/pay/:token',
      summary: 'The page a KKiaPay payment link opens',
      description:
        "Shows the amount and the reference, and opens KKiaPay's widget for exactly that amount. The " +
        'token is signed (payment-link.ts); an expired link answers 410 with a page saying so.',
      access: 'public',
      params: z.object({ token: z.string().min(1).max(512) }),
      problems: [410],
      response: { status: 200, description: 'The payment page', schema: z.string(), type: 'text/html' },
      handler: ({ params, ctx }) => {
        const read = readPaymentLink(params.token, key, deps.clock);
        if (!read.ok) {
          // A forged or mangled link is a plain 404 problem: it names no payment.
          if (read.reason !== 'expired') throw notFound();
          ctx.status = 410;
          return EXPIRED_PAGE;
        }
        const { reference, amount, phone } = read.link;
        const widget = deps.config.KKIAPAY_WIDGET_URL;
        ctx.set(
          'Content-Security-Policy',
          `default-src 'self'; script-src 'self' 'unsafe-inline' ${new URL(widget).origin}; frame-src https:; connect-src https:; style-src 'unsafe-inline'`,
        );
        return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>TontiFlex - paiement ${escape(reference)}</title>
<script src="${escape(widget)}"></script></head>
<body style="font-family:sans-serif;max-width:28em;margin:2em auto">
<h1>TontiFlex</h1>
<p>Paiement de <strong>${escape(formatXof(amount))} FCFA</strong><br>Reference ${escape(reference)}</p>
<button id="pay" style="font-size:1.2em;padding:.5em 1em">Payer</button>
<script>
document.getElementById('pay').onclick = function () {
  openKkiapayWidget({ amount: ${JSON.stringify(amount)}, key: ${JSON.stringify(deps.config.KKIAPAY_PUBLIC_KEY ?? '')},
    sandbox: ${JSON.stringify(deps.config.KKIAPAY_SANDBOX)}, phone: ${JSON.stringify(phone.replace(/^\+/, ''))},
    partnerId: ${JSON.stringify(reference)}, reason: ${JSON.stringify(`TontiFlex ${reference}`)} });
};
</script></body></html>`;
      },
    }),
  ];
}
