/**
 * The payment provider port. Each provider says what it can do: MTN MoMo and the simulator push a
 * payment prompt to the phone (`requestToPay`); KKiaPay cannot, and collects through a payment link
 * sent by SMS instead. Every provider can re-read a transaction's status (`verify`), which is the only
 * thing a webhook is ever trusted for.
 */
export type ProviderName = 'simulator' | 'momo' | 'kkiapay';

export type ProviderStatus = 'pending' | 'success' | 'failed';

export interface VerifyResult {
  status: ProviderStatus;
  /** The provider's own id of the transaction, when it has one. */
  providerTransactionId: string | null;
  /** Amount the provider says was moved (integer XOF), when it says. */
  amount: number | null;
  /** Why it failed (provider's code, e.g. NOT_ENOUGH_FUNDS), when it failed. */
  reason: string | null;
}

export interface CollectionRequest {
  /** Our reference (TF…); providers echo it back (externalId, partnerId). */
  reference: string;
  /** The transaction's id, chosen by us where the provider lets us (capabilities.chosenId). */
  transactionId?: string;
  phone: string;
  amount: number;
  description: string;
}

export interface CollectionStarted {
  /** The id to verify with later: MoMo's X-Reference-Id, the simulator's id, KKiaPay's transactionId. */
  providerTransactionId: string | null;
  /** For link-based providers: the URL the client must open to pay. */
  paymentUrl?: string;
}

export interface PayoutRequest {
  reference: string;
  transactionId?: string;
  phone: string;
  amount: number;
  description: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /**
   * `chosenId`: we choose the transaction's id (MTN MoMo's X-Reference-Id). The payment stores it
   * before the request, so a request whose answer is lost (a timeout) can still be asked about.
   */
  readonly capabilities: {
    requestToPay: boolean;
    paymentLink: boolean;
    payout: boolean;
    refund: boolean;
    chosenId: boolean;
  };
  /** Starts a collection: a prompt on the phone (requestToPay) or a link to send (paymentLink). */
  collect(req: CollectionRequest): Promise<CollectionStarted>;
  /** Re-reads a collection's status from the provider. */
  verify(providerTransactionId: string, reference: string): Promise<VerifyResult>;
  /** Sends money to a mobile-money wallet. */
  payout(req: PayoutRequest): Promise<CollectionStarted>;
  /** Re-reads a payout's status. */
  verifyPayout(providerTransactionId: string, reference: string): Promise<VerifyResult>;
  /** Gives a successful collection back to the payer. */
  refund(providerTransactionId: string): Promise<void>;
}

/** A provider answered something we cannot use (network error, 5xx, malformed body). Safe to retry. */
export class ProviderUnavailable extends Error {
  override name = 'ProviderUnavailable';
}
