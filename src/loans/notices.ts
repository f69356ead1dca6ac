/**
 * The in-app notice types of the loans module (locales/xx/notifications.json): an application awaiting
 * the superviseurs' review, one forwarded and awaiting the admins' decision, a granted loan awaiting its
 * disbursement. Each is closed when its step is done (closeNotifications).
 */
export const LOAN_REVIEW_PENDING = 'loan_review_pending';
export const LOAN_DECISION_PENDING = 'loan_decision_pending';
export const LOAN_DISBURSEMENT_PENDING = 'loan_disbursement_pending';

/** The `data` of a notice about an application (for closeNotifications to find it). */
export const loanApplicationData = (applicationId: number) => ({ application_id: applicationId });

/**
 * The one reference a client knows their loan by, from the application to solde: `P<application id>`
 * (the loan keeps its application's), in every SMS and USSD screen.
 */
export const loanReference = (applicationId: number) => `P${applicationId}`;

/** A local date as a client reads it in an SMS or on a screen: `2026-01-10` → `10/01/2026`. */
export const smsDate = (date: string) => `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
