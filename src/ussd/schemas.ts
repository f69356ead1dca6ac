import { z } from 'zod';

/** Africa's Talking's USSD callback (form-encoded). */
export const hopBody = z.object({
  sessionId: z.string().trim().min(1).max(100),
  serviceCode: z.string().max(32).optional(),
  phoneNumber: z.string().trim().min(5).max(20),
  networkCode: z.string().max(16).optional(),
  text: z.string().max(2000).default(''),
});

/** Africa's Talking's end-of-session notification (form-encoded). */
export const eventBody = z.object({
  sessionId: z.string().trim().min(1).max(100),
  phoneNumber: z.string().trim().min(1).max(20),
  serviceCode: z.string().max(32).optional(),
  networkCode: z.string().max(16).optional(),
  status: z.string().max(16).default('Incomplete'),
  durationInMillis: z.coerce.number().int().min(0).max(86_400_000).default(0),
  hopsCount: z.coerce.number().int().min(0).max(10_000).default(0),
  lastAppResponse: z.string().max(2000).optional(),
  errorMessage: z.string().max(2000).optional(),
});
