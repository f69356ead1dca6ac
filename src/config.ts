import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Every setting of the process, read once from the environment and validated.
 * No MYSQL_URL means embedded mode: SQLite file + in-process stores + simulated providers.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(8000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MYSQL_URL: z.url({ protocol: /^(mysql|mariadb)$/ }).optional(),
  SQLITE_PATH: z.string().min(1).default('var/tontiflex.sqlite'),
  // Identity documents, encrypted (infra/documents.ts): a folder every app process shares when scaled out.
  DOCUMENTS_DIR: z.string().min(1).default('var/documents'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  DEMO_MODE: bool.optional(),
  DEMO_PASSWORD: z.string().min(10).default('tontiflex-demo'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_ACCESS_TTL_S: int(60, 86_400).default(900),
  JWT_REFRESH_TTL_S: int(300, 90 * 86_400).default(7 * 86_400),
  // A spent refresh token presented again within this many seconds (an app retrying on a flaky
  // network) gets a new pair of its family; later, the reuse revokes the whole family.
  REFRESH_REUSE_GRACE_S: int(0, 300).default(10),
  DOCUMENT_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (a 256-bit key)')
    .optional(),
  SMS_PROVIDER: z.enum(['console', 'africastalking']).optional(),
  AT_USERNAME: z.string().min(1).optional(),
  AT_API_KEY: z.string().min(1).optional(),
  AT_SENDER_ID: z.string().min(1).optional(),
  // Unset: Africa's Talking's live API, or its sandbox when AT_USERNAME is 'sandbox' (tests point it at a stub).
  AT_BASE_URL: z.url().optional(),
  // SMS outbox delivery: tries per message, first retry delay (doubled each time), sends per second.
  SMS_MAX_ATTEMPTS: int(1, 20).default(5),
  SMS_BACKOFF_MS: int(10, 3_600_000).default(2000),
  SMS_RATE_PER_S: int(1, 10_000).default(10),
  // Delivery reports for an id not stored yet are kept 10 minutes for the worker to match: at most this
  // many a minute, so a flood of made-up ids cannot grow Redis (beyond it they are logged and dropped).
  DLR_HOLD_PER_MINUTE: int(0, 1_000_000).default(1000),
  // Scheduled reminders: the SFD-local hour from which a day's reminders go out, how often the
  // scheduler looks (a run is skipped once a day's work is done), recipients per batch, and how many
  // days late a missed reminder may still go (downtime on its day).
  REMINDER_HOUR: int(0, 23).default(9),
  REMINDER_EVERY_MS: int(50, 86_400_000).default(300_000),
  REMINDER_BATCH_SIZE: int(1, 5000).default(1000),
  REMINDER_CATCH_UP_DAYS: int(0, 30).default(3),
  CORS_ORIGINS: csv.default([]),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/)
    .default('100kb'),
  TRUST_PROXY: bool.default(false),
  // false: this app process leaves the background jobs to `npm run worker` processes.
  RUN_WORKERS: bool.default(true),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1, 1000).default(5),
  LOGIN_MAX_FAILURES_PER_IP: int(1, 10_000).default(30),
  LOGIN_FAILURE_WINDOW_S: int(1, 86_400).default(900),
  PIN_MAX_FAILURES: int(1, 10).default(3),
  PIN_LOCK_MINUTES: int(1, 1440).default(30),
  OTP_TTL_S: int(30, 3600).default(300),
  // Least time between two one-time codes sent for the same purpose and phone while the first is live.
  OTP_RESEND_DELAY_S: int(0, 3600).default(60),
  SHUTDOWN_TIMEOUT_MS: int(0, 120_000).default(10_000),
  USSD_CALLBACK_TOKEN: z.string().min(8).optional(),
  // The code clients dial, as SMS texts (help, unknown number) tell it.
  USSD_SERVICE_CODE: z
    .string()
    .regex(/^\*\d+(\*\d+)*#$/, 'must look like *123# or *384*123#')
    .max(20)
    .default('*123#'),
  // If set, Africa's Talking's SMS callbacks (delivery reports, incoming messages) must carry it.
  AT_CALLBACK_TOKEN: z.string().min(8).optional(),
  // Outside demo mode the callbacks must carry a token; this lets them through without (logged at start).
  ALLOW_UNAUTHENTICATED_CALLBACKS: bool.default(false),
  USSD_SESSION_TTL_S: int(30, 3600).default(180),
  USSD_RESUME_S: int(0, 3600).default(120),
  USSD_SCREEN_LIMIT: int(60, 500).default(182),
  USSD_HOP_BUDGET_MS: int(100, 9000).default(2000),
  USSD_MAX_INVALID: int(1, 10).default(3),
  USSD_PIN_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  PAYMENT_PROVIDER: z.enum(['simulator', 'momo', 'kkiapay']).optional(),
  PAYMENT_SIMULATOR_DELAY_MS: int(0, 600_000).default(1500),
  PAYMENT_EXPIRY_MINUTES: int(1, 1440).default(30),
  PAYMENT_WEBHOOK_SECRET: z.string().min(16).optional(),
  KKIAPAY_BASE_URL: z.url().default('https://api.kkiapay.me'),
  KKIAPAY_WIDGET_URL: z.url().default('https://cdn.kkiapay.me/k.js'),
  KKIAPAY_PUBLIC_KEY: z.string().min(1).optional(),
  KKIAPAY_PRIVATE_KEY: z.string().min(1).optional(),
  KKIAPAY_SECRET_KEY: z.string().min(1).optional(),
  KKIAPAY_SANDBOX: bool.default(false),
  MOMO_BASE_URL: z.url().default('https://sandbox.momodeveloper.mtn.com'),
  MOMO_TARGET_ENVIRONMENT: z.string().min(1).default('sandbox'),
  MOMO_CURRENCY: z.string().length(3).default('XOF'),
  MOMO_API_USER: z.string().min(1).optional(),
  MOMO_API_KEY: z.string().min(1).optional(),
  MOMO_COLLECTION_KEY: z.string().min(1).optional(),
  MOMO_DISBURSEMENT_KEY: z.string().min(1).optional(),
  PROVIDER_TIMEOUT_MS: int(100, 60_000).default(10_000),
});

type Env = z.infer<typeof schema>;

export interface Config extends Omit<
  Env,
  | 'DEMO_MODE'
  | 'JWT_SECRET'
  | 'DOCUMENT_KEY'
  | 'SMS_PROVIDER'
  | 'USSD_PIN_KEY'
  | 'PAYMENT_PROVIDER'
  | 'PUBLIC_BASE_URL'
  | 'PAYMENT_WEBHOOK_SECRET'
> {
  embedded: boolean;
  demoMode: boolean;
  JWT_SECRET: string;
  DOCUMENT_KEY: string;
  SMS_PROVIDER: 'console' | 'africastalking';
  USSD_PIN_KEY: string;
  PAYMENT_PROVIDER: 'simulator' | 'momo' | 'kkiapay';
  /** Where the outside world reaches this gateway (payment links, provider callbacks). */
  PUBLIC_BASE_URL: string;
  /** Shared secret of the payment webhook (KKiaPay's x-kkiapay-secret; the simulator uses it too). */
  PAYMENT_WEBHOOK_SECRET: string;
}

export class ConfigError extends Error {}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Outside demo mode, callbacks without a token are allowed only on request: say so at every start. */
export function unauthenticatedCallbacks(config: Config): string[] {
  if (config.demoMode) return [];
  return [
    ...(config.USSD_CALLBACK_TOKEN ? [] : ['/ussd', '/ussd/events']),
    ...(config.AT_CALLBACK_TOKEN ? [] : ['/sms/delivery-reports', '/sms/inbound']),
  ];
}

// Fixed development values: only ever used in embedded/demo mode, never in production.
const DEMO_JWT_SECRET = 'tontiflex-demo-jwt-secret-not-for-production-use';
const DEMO_DOCUMENT_KEY = '0'.repeat(64);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset": docker-compose and shells often pass VAR= .
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const embedded = !e.MYSQL_URL;
  const demoMode = e.DEMO_MODE ?? embedded;
  const smsProvider = e.SMS_PROVIDER ?? (demoMode ? 'console' : 'africastalking');
  const paymentProvider = e.PAYMENT_PROVIDER ?? (demoMode ? 'simulator' : 'momo');

  const missing: string[] = [];
  if (!demoMode) {
    if (!e.JWT_SECRET) missing.push('JWT_SECRET');
    if (!e.DOCUMENT_KEY) missing.push('DOCUMENT_KEY');
  }
  if (smsProvider === 'africastalking') {
    if (!e.AT_USERNAME) missing.push('AT_USERNAME');
    if (!e.AT_API_KEY) missing.push('AT_API_KEY');
  }
  if (paymentProvider === 'momo') {
    for (const name of [
      'MOMO_API_USER',
      'MOMO_API_KEY',
      'MOMO_COLLECTION_KEY',
      'MOMO_DISBURSEMENT_KEY',
    ] as const) {
      if (!e[name]) missing.push(name);
    }
  }
  if (paymentProvider === 'kkiapay') {
    for (const name of ['KKIAPAY_PUBLIC_KEY', 'KKIAPAY_PRIVATE_KEY', 'KKIAPAY_SECRET_KEY'] as const) {
      if (!e[name]) missing.push(name);
    }
  }
  if (!demoMode && !e.PAYMENT_WEBHOOK_SECRET) missing.push('PAYMENT_WEBHOOK_SECRET');
  // Without them anyone who reaches /ussd reads a client's name and locks their PIN, and a spoofed
  // STOP opts them out of SMS.
  if (!demoMode && !e.ALLOW_UNAUTHENTICATED_CALLBACKS) {
    if (!e.USSD_CALLBACK_TOKEN) missing.push('USSD_CALLBACK_TOKEN');
    if (!e.AT_CALLBACK_TOKEN) missing.push('AT_CALLBACK_TOKEN');
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `Missing required settings outside demo mode: ${missing.join(', ')} ` +
        '(set them, or DEMO_MODE=true for a demonstration)',
    );
  }
  // The demo JWT secret and passwords are public: a production process in demo mode serves only itself.
  if (e.NODE_ENV === 'production' && demoMode && !isLoopback(e.HOST)) {
    throw new ConfigError(
      `DEMO_MODE with NODE_ENV=production listens on loopback only (HOST=127.0.0.1, not ${e.HOST}): ` +
        'its secrets are public',
    );
  }
  return {
    ...e,
    embedded,
    demoMode,
    JWT_SECRET: e.JWT_SECRET ?? DEMO_JWT_SECRET,
    DOCUMENT_KEY: e.DOCUMENT_KEY ?? DEMO_DOCUMENT_KEY,
    SMS_PROVIDER: smsProvider,
    PAYMENT_PROVIDER: paymentProvider,
    PUBLIC_BASE_URL: (e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    PAYMENT_WEBHOOK_SECRET: e.PAYMENT_WEBHOOK_SECRET ?? 'tontiflex-demo-webhook-secret',
    // A PIN being chosen is kept between hops only as an HMAC under this key; by default derived from
    // JWT_SECRET so one secret suffices, but it may be set on its own.
    USSD_PIN_KEY:
      e.USSD_PIN_KEY ??
      createHash('sha256')
        .update(`ussd-pin:${e.JWT_SECRET ?? DEMO_JWT_SECRET}`)
        .digest('hex'),
  };
}

/** For the entry points: the configuration, or its problems on stderr and exit 78 (EX_CONFIG). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
}
