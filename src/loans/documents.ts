import type { Deps } from '../deps';

/** STUB (issue 14, documents part): guarantees and PDF attachments, encrypted. */
export class LoanDocumentsService {
  constructor(readonly deps: Deps) {}
}
