import { ConfigError, loadConfig, unauthenticatedCallbacks } from '../../src/config';

const MYSQL_URL = 'mysql://tontiflex:pw@db.internal:3306/tontiflex';
const SECRETS = {
  JWT_SECRET: 'j'.repeat(32),
  DOCUMENT_KEY: 'ab'.repeat(32),
  AT_USERNAME: 'tontiflex',
  AT_API_KEY: 'at-api-key',
  PAYMENT_WEBHOOK_SECRET: 'w'.repeat(24),
  MOMO_API_USER: 'momo-user',
  MOMO_API_KEY: 'momo-key',
  MOMO_COLLECTION_KEY: 'momo-collection',
  MOMO_DISBURSEMENT_KEY: 'momo-disbursement',
  USSD_CALLBACK_TOKEN: 'ussd-callback-token',
  AT_CALLBACK_TOKEN: 'sms-callback-token',
};

/** The ConfigError loadConfig throws for env, or a failure if it does not throw one. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('embedded mode (no MYSQL_URL)', () => {
  it('runs on SQLite under var/ in demo mode, with SMS on the console and demo secrets', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      embedded: true,
      demoMode: true,
      SQLITE_PATH: 'var/tontiflex.sqlite',
      SMS_PROVIDER: 'console',
      PORT: 8000,
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
    });
    expect(config.MYSQL_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(config.DOCUMENT_KEY).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the settings it is given', () => {
    const config = loadConfig({ SQLITE_PATH: '/data/tf.sqlite', PORT: '9000', ...SECRETS });
    expect(config).toMatchObject({ SQLITE_PATH: '/data/tf.sqlite', PORT: 9000, ...SECRETS });
  });
});

describe('invalid values', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['MYSQL_URL', 'http://x'],
    ['REDIS_URL', 'http://x'],
    ['LOG_LEVEL', 'loud'],
    ['DOCUMENT_KEY', 'short'],
    ['JWT_SECRET', 'too-short'],
    ['DEMO_MODE', 'maybe'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.message).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('names every bad variable at once', () => {
    const err = configError({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('LOG_LEVEL');
  });

  it('does not echo a rejected secret', () => {
    const err = configError({ JWT_SECRET: 'hunter2-hunter2' });
    expect(err.message).toContain('JWT_SECRET');
    expect(err.message).not.toContain('hunter2');
  });
});

describe('server mode (MYSQL_URL set)', () => {
  it('refuses to start without the secrets and names each missing one', () => {
    const err = configError({ MYSQL_URL });
    for (const name of ['JWT_SECRET', 'DOCUMENT_KEY', 'AT_USERNAME', 'AT_API_KEY']) {
      expect(err.message).toContain(name);
    }
  });

  it.each(Object.keys(SECRETS))('names %s alone when only it is missing', (name) => {
    const env: NodeJS.ProcessEnv = { MYSQL_URL, ...SECRETS };
    delete env[name];
    const err = configError(env);
    for (const other of Object.keys(SECRETS)) {
      if (other === name) expect(err.message).toContain(other);
      else expect(err.message).not.toContain(other);
    }
  });

  it('starts with every secret, not embedded, not demo, sending SMS through Africa’s Talking', () => {
    const config = loadConfig({ MYSQL_URL, ...SECRETS });
    expect(config).toMatchObject({
      embedded: false,
      demoMode: false,
      SMS_PROVIDER: 'africastalking',
      MYSQL_URL,
      ...SECRETS,
    });
  });

  it('needs no Africa’s Talking credentials with SMS_PROVIDER=console', () => {
    const config = loadConfig({
      MYSQL_URL,
      JWT_SECRET: SECRETS.JWT_SECRET,
      DOCUMENT_KEY: SECRETS.DOCUMENT_KEY,
      PAYMENT_WEBHOOK_SECRET: SECRETS.PAYMENT_WEBHOOK_SECRET,
      USSD_CALLBACK_TOKEN: SECRETS.USSD_CALLBACK_TOKEN,
      AT_CALLBACK_TOKEN: SECRETS.AT_CALLBACK_TOKEN,
      PAYMENT_PROVIDER: 'simulator',
      SMS_PROVIDER: 'console',
    });
    expect(config.SMS_PROVIDER).toBe('console');
  });

  it('accepts a mariadb:// URL', () => {
    expect(loadConfig({ MYSQL_URL: 'mariadb://root@127.0.0.1:3306/tf', ...SECRETS }).embedded).toBe(false);
  });

  it('lifts the requirement with DEMO_MODE=true (console SMS, demo secrets)', () => {
    const config = loadConfig({ MYSQL_URL, DEMO_MODE: 'true' });
    expect(config).toMatchObject({ embedded: false, demoMode: true, SMS_PROVIDER: 'console' });
    expect(config.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(config.DOCUMENT_KEY).toMatch(/^[0-9a-f]{64}$/i);
  });

  it('still refuses Africa’s Talking without credentials in demo mode', () => {
    const err = configError({ MYSQL_URL, DEMO_MODE: 'true', SMS_PROVIDER: 'africastalking' });
    expect(err.message).toContain('AT_USERNAME');
    expect(err.message).toContain('AT_API_KEY');
    expect(err.message).not.toContain('JWT_SECRET');
  });

  it('lets DEMO_MODE=false switch demo mode off in embedded mode too', () => {
    const err = configError({ DEMO_MODE: 'false' });
    expect(err.message).toContain('JWT_SECRET');
    expect(err.message).toContain('DOCUMENT_KEY');
  });
});

describe('callback tokens', () => {
  it('are required outside demo mode, each named', () => {
    const err = configError({ MYSQL_URL, ...SECRETS, USSD_CALLBACK_TOKEN: '', AT_CALLBACK_TOKEN: '' });
    expect(err.message).toContain('USSD_CALLBACK_TOKEN');
    expect(err.message).toContain('AT_CALLBACK_TOKEN');
    expect(configError({ MYSQL_URL, ...SECRETS, AT_CALLBACK_TOKEN: '' }).message).not.toContain(
      'USSD_CALLBACK_TOKEN',
    );
  });

  it('may be waived by ALLOW_UNAUTHENTICATED_CALLBACKS=true, and the open callbacks are listed', () => {
    const config = loadConfig({
      MYSQL_URL,
      ...SECRETS,
      USSD_CALLBACK_TOKEN: '',
      AT_CALLBACK_TOKEN: '',
      ALLOW_UNAUTHENTICATED_CALLBACKS: 'true',
    });
    expect(unauthenticatedCallbacks(config)).toEqual([
      '/ussd',
      '/ussd/events',
      '/sms/delivery-reports',
      '/sms/inbound',
    ]);
    expect(unauthenticatedCallbacks(loadConfig({ MYSQL_URL, ...SECRETS }))).toEqual([]);
  });

  it('are not required in demo mode', () => {
    const config = loadConfig({ MYSQL_URL, DEMO_MODE: 'true' });
    expect(config.USSD_CALLBACK_TOKEN).toBeUndefined();
    expect(unauthenticatedCallbacks(config)).toEqual([]);
  });
});

describe('demo mode in production', () => {
  it('refuses to listen beyond loopback: the demo secrets are public', () => {
    const err = configError({ NODE_ENV: 'production', DEMO_MODE: 'true', MYSQL_URL });
    expect(err.message).toContain('HOST=127.0.0.1');
    expect(configError({ NODE_ENV: 'production', HOST: '10.0.0.5' }).message).toContain('loopback');
  });

  it('starts on a loopback address (as the benchmarks run)', () => {
    for (const HOST of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      expect(loadConfig({ NODE_ENV: 'production', DEMO_MODE: 'true', HOST }).demoMode).toBe(true);
    }
  });

  it('leaves production outside demo mode alone', () => {
    expect(loadConfig({ NODE_ENV: 'production', MYSQL_URL, ...SECRETS }).HOST).toBe('0.0.0.0');
  });
});

describe('empty strings', () => {
  it('count as unset (defaults apply, nothing is validated)', () => {
    const config = loadConfig({
      MYSQL_URL: '',
      REDIS_URL: '',
      PORT: '',
      LOG_LEVEL: '',
      SQLITE_PATH: '',
      JWT_SECRET: '',
      DOCUMENT_KEY: '',
      DEMO_MODE: '',
    });
    expect(config).toMatchObject({
      embedded: true,
      demoMode: true,
      PORT: 8000,
      LOG_LEVEL: 'info',
      SQLITE_PATH: 'var/tontiflex.sqlite',
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('count as missing secrets in server mode', () => {
    const err = configError({ MYSQL_URL, ...SECRETS, JWT_SECRET: '', AT_API_KEY: '' });
    expect(err.message).toContain('JWT_SECRET');
    expect(err.message).toContain('AT_API_KEY');
    expect(err.message).not.toContain('DOCUMENT_KEY');
  });
});

describe('CORS_ORIGINS', () => {
  it('is a comma list, trimmed, without empty items', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example:8443 ,,' });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example:8443']);
  });

  it('holds a single origin', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example' }).CORS_ORIGINS).toEqual(['https://a.example']);
  });
});

describe('payment provider settings', () => {
  it('default to the simulator in demo mode and to MTN MoMo outside it', () => {
    expect(loadConfig({}).PAYMENT_PROVIDER).toBe('simulator');
    expect(loadConfig({ MYSQL_URL, ...SECRETS }).PAYMENT_PROVIDER).toBe('momo');
  });

  it('refuse to start without the chosen provider’s keys, naming each', () => {
    const momo = configError({ MYSQL_URL, ...SECRETS, MOMO_API_KEY: '', MOMO_DISBURSEMENT_KEY: '' });
    expect(momo.message).toContain('MOMO_API_KEY');
    expect(momo.message).toContain('MOMO_DISBURSEMENT_KEY');
    expect(momo.message).not.toContain('MOMO_API_USER');
    const kkiapay = configError({
      MYSQL_URL,
      ...SECRETS,
      PAYMENT_PROVIDER: 'kkiapay',
      KKIAPAY_PUBLIC_KEY: 'pk',
    });
    expect(kkiapay.message).toContain('KKIAPAY_PRIVATE_KEY');
    expect(kkiapay.message).toContain('KKIAPAY_SECRET_KEY');
  });

  it('need a webhook secret outside demo mode', () => {
    expect(configError({ MYSQL_URL, ...SECRETS, PAYMENT_WEBHOOK_SECRET: '' }).message).toContain(
      'PAYMENT_WEBHOOK_SECRET',
    );
  });

  it('reject a bad provider name or base URL, naming the variable', () => {
    expect(configError({ PAYMENT_PROVIDER: 'paypal' }).message).toContain('PAYMENT_PROVIDER');
    expect(configError({ MOMO_BASE_URL: 'not a url' }).message).toContain('MOMO_BASE_URL');
  });
});

describe('SMS delivery settings', () => {
  it('default to 5 attempts, a 2 s first backoff and 10 SMS a second', () => {
    expect(loadConfig({})).toMatchObject({ SMS_MAX_ATTEMPTS: 5, SMS_BACKOFF_MS: 2000, SMS_RATE_PER_S: 10 });
  });

  it('are read as integers and refused out of range, naming the variable', () => {
    const env = { SMS_MAX_ATTEMPTS: '3', SMS_BACKOFF_MS: '500', SMS_RATE_PER_S: '2' };
    expect(loadConfig(env)).toMatchObject({ SMS_MAX_ATTEMPTS: 3, SMS_BACKOFF_MS: 500, SMS_RATE_PER_S: 2 });
    const err = configError({ SMS_MAX_ATTEMPTS: '0', SMS_RATE_PER_S: 'fast' });
    expect(err.message).toMatch(/SMS_MAX_ATTEMPTS/);
    expect(err.message).toMatch(/SMS_RATE_PER_S/);
  });
});
