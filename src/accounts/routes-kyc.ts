import { route, type RouteSpec } from '../http/route';
import { decisionBody } from '../workflow/decide';
import type { KycService } from './kyc';
import { idParams } from './schemas';
import { USER_EXAMPLE, userDto, userSchema } from './serializers';

export function kycRoutes(kyc: KycService): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/accounts/clients/:id/valider-kyc',
      summary: 'Decide on a client’s identity check (KYC): approve or reject',
      description:
        'For a client of the caller’s own SFD (the platform admin: any; another SFD’s is a 404) whose ' +
        'KYC is `pending`: approve → `verified`, reject → `rejected` (the reason is required, and the ' +
        'client is told it). A client whose KYC no longer waits is a 409. The client gets an SMS in ' +
        'their language, the `kyc_pending` notification about them is closed for every recipient, and ' +
        'the decision is audited (`user.kyc.approve` / `user.kyc.reject`).',
      access: 'agent_sfd',
      params: idParams,
      body: decisionBody,
      example: { decision: 'reject', reason: 'Piece d identite illisible' },
      response: {
        status: 200,
        description: 'The updated client',
        schema: userSchema,
        example: { ...USER_EXAMPLE, kyc_status: 'rejected', updated_at: '2025-03-04T10:30:00.000Z' },
      },
      problems: [409],
      handler: async ({ params, body, principal }) => userDto(await kyc.decide(principal, params.id, body)),
    }),
  ];
}
