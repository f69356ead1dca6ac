import { foldToGsm7, smsSegments, type SmsEncoding } from '../shared/gsm7';

/**
 * The SMS side of GSM 03.38. Detection and part counting live with the folding in src/ussd/gsm7.ts
 * (one table for USSD screens and SMS): GSM-7 when every character is in the basic or extension table
 * (extension characters cost 2 septets), else UCS-2; 160/153 septets or 70/67 UTF-16 units per part.
 */
export { smsSegments, type SmsEncoding };

/** Templates must fit two parts: a third costs a third SMS and some phones show it out of order. */
export const MAX_SMS_SEGMENTS = 2;

export interface ShapedSms {
  body: string;
  encoding: SmsEncoding;
  segments: number;
}

/** The text as it will be sent: folded to GSM-7 (so one accent cannot halve a part), and measured. */
export function shapeSms(text: string): ShapedSms {
  const body = foldToGsm7(text);
  const { encoding, segments } = smsSegments(body);
  return { body, encoding, segments };
}
