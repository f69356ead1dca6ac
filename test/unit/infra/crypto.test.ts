import { hashSecret, verifySecret } from '../../../src/infra/crypto';

let stored: string;

beforeAll(async () => {
  stored = await hashSecret('correct-horse-battery');
});

describe('hashSecret / verifySecret', () => {
  it('verifies the secret it hashed, in the scrypt$N$r$p$salt$hash format', async () => {
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(stored).not.toContain('correct-horse-battery');
    await expect(verifySecret('correct-horse-battery', stored)).resolves.toBe(true);
  });

  it('refuses a wrong secret, even one differing in one character or in case', async () => {
    await expect(verifySecret('correct-horse-batterY', stored)).resolves.toBe(false);
    await expect(verifySecret('correct-horse-batter', stored)).resolves.toBe(false);
    await expect(verifySecret('', stored)).resolves.toBe(false);
  });

  it('salts: two hashes of one secret differ and both verify', async () => {
    const again = await hashSecret('correct-horse-battery');
    expect(again).not.toBe(stored);
    expect(again.split('$')[4]).not.toBe(stored.split('$')[4]);
    await expect(verifySecret('correct-horse-battery', again)).resolves.toBe(true);
  });

  it('hashes and verifies non-ASCII secrets and PINs', async () => {
    const pin = await hashSecret('4827');
    await expect(verifySecret('4827', pin)).resolves.toBe(true);
    await expect(verifySecret('4828', pin)).resolves.toBe(false);
    const accents = await hashSecret('mot-de-passe-été');
    await expect(verifySecret('mot-de-passe-été', accents)).resolves.toBe(true);
    await expect(verifySecret('mot-de-passe-ete', accents)).resolves.toBe(false);
  });

  it('answers false for no stored hash', async () => {
    await expect(verifySecret('x', null)).resolves.toBe(false);
    await expect(verifySecret('x', undefined)).resolves.toBe(false);
    await expect(verifySecret('x', '')).resolves.toBe(false);
  });

  // Each case rewrites one part of a good hash: scheme, N, r, p, salt, hash.
  it.each<[string, (parts: string[]) => string]>([
    ['plain text', () => 'correct-horse-battery'],
    ['another scheme', ([, ...rest]) => ['bcrypt', ...rest].join('$')],
    ['missing salt and hash', ([s, n, r, p]) => [s, n, r, p].join('$')],
    ['an empty hash', ([s, n, r, p, salt]) => [s, n, r, p, salt, ''].join('$')],
    ['a hash that decodes to nothing', ([s, n, r, p, salt]) => [s, n, r, p, salt, '!!!'].join('$')],
    ['a truncated hash', ([s, n, r, p, salt, h]) => [s, n, r, p, salt, h.slice(0, 10)].join('$')],
    ['a non-numeric N', ([s, , r, p, salt, h]) => [s, 'abc', r, p, salt, h].join('$')],
    ['an N that is not a power of two', ([s, , r, p, salt, h]) => [s, '1000', r, p, salt, h].join('$')],
    ['an N over the memory limit', ([s, , r, p, salt, h]) => [s, String(2 ** 20), r, p, salt, h].join('$')],
    ['missing parameters', ([s, , , , salt, h]) => [s, '', '', '', salt, h].join('$')],
  ])('answers false, without throwing, for %s', async (_label, corrupt) => {
    const bad = corrupt(stored.split('$'));
    await expect(verifySecret('correct-horse-battery', bad)).resolves.toBe(false);
    await expect(verifySecret('any-other-secret', bad)).resolves.toBe(false);
    await expect(verifySecret('', bad)).resolves.toBe(false);
  });
});
