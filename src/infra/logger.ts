import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const SECRET_KEYS = ['password', 'pin', 'new_pin', 'old_pin', 'code', 'otp', 'token', 'access', 'refresh'];
const PHONE_KEYS = ['phone', 'phoneNumber', 'phone_number', 'to', 'from'];

/** Keeps the country code and the last two digits: enough to follow a case, not to call someone. */
export function maskPhone(value: unknown): string {
  const s = String(value);
  if (s.length <= 6) return '***';
  return s.slice(0, 4) + '*'.repeat(s.length - 6) + s.slice(-2);
}

/** `destination`: where the lines go, stdout unless given (tests keep them in memory). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = [
    'req.headers.authorization',
    'req.headers.cookie',
    ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
    ...PHONE_KEYS.flatMap((k) => [k, `*.${k}`]),
  ];
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: {
      paths,
      // A key given no value stays out of the line (as it would unredacted), not "unde***ed".
      censor: (value, path) => {
        if (value === undefined) return undefined;
        return PHONE_KEYS.includes(path[path.length - 1]) ? maskPhone(value) : '[REDACTED]';
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
