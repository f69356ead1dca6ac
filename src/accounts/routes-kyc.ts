import { route, type RouteSpec } from '../http/route';
import { decisionBody } from '../workflow/decide';
import type { KycService } from './kyc';
import { idParams } from './schemas';
import { userDto, userSchema } from './serializers';

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
        example: {
          id: 12,
          phone: '+2290196123456',
          email: null,
          first_name: 'Awa',
          last_name: 'Houngbo',
          role: 'client',
          sfd_id: 1,
          status: 'active',
          language: 'fr',
          kyc_status: 'rejected',
          phone_verified: true,
          has_pin: true,
          created_at: '2025-03-03T09:00:00.000Z',
          updated_at: '2025-03-04T10:30:00.000Z',
        },
      },
      problems: [409],
      handler: async ({ params, body, principal }) => userDto(await kyc.decide(principal, params.id, body)),
    }),
  ];
}
