import type { Context } from 'koa';
import type { Deps } from '../deps';
import { Router } from '../http/router';
import { paymentLinkKey, readPaymentLink } from './payment-link';
import { formatXof } from '../shared/money';

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * GET /pay/:token — the page a KKiaPay payment link opens (smartphone clients): it shows what is paid
 * and opens KKiaPay's widget for exactly that amount, with our reference as `partnerId`, so the webhook
 * and its verification find the payment.
 */
export function payPageRoutes(deps: Pick<Deps, 'config' | 'clock'>): Router {
  const router = new Router();
  const key = paymentLinkKey(deps.config);

  router.get('/pay/:token', (ctx: Context & { params: Record<string, string> }) => {
    const read = readPaymentLink(ctx.params.token, key, deps.clock);
    ctx.type = 'text/html';
    if (!read.ok) {
      ctx.status = read.reason === 'expired' ? 410 : 404;
      ctx.body = `<!doctype html><meta charset="utf-8"><title>TontiFlex</title><p>${
        read.reason === 'expired' ? 'Ce lien de paiement a expire.' : 'Lien de paiement invalide.'
      }</p>`;
      return;
    }
    const { reference, amount, phone } = read.link;
    const widget = deps.config.KKIAPAY_WIDGET_URL;
    ctx.set(
      'Content-Security-Policy',
      `default-src 'self'; script-src 'self' 'unsafe-inline' ${new URL(widget).origin}; frame-src https:; connect-src https:; style-src 'unsafe-inline'`,
    );
    ctx.body = `<!doctype html>
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
  });
  return router;
}
