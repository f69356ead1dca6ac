import { normalizeMobile, normalizePhone, phoneSchema } from '../../../src/accounts/phone';

describe('normalizePhone', () => {
  it.each([
    '+2290197000001',
    '0197000001',
    '01 97 00 00 01',
    '  01 97 00 00 01  ',
    '+229 01-97-00-00-01',
    '00229 01 97 00 00 01',
  ])('reads %j as the Benin mobile +2290197000001', (input) => {
    expect(normalizePhone(input)).toBe('+2290197000001');
  });

  it.each(['97000001', '+22997000001', '97 00 00 01'])(
    'refuses the retired 8-digit Benin number %j',
    (input) => {
      expect(normalizePhone(input)).toBeNull();
    },
  );

  it('accepts a number of another country given in international form', () => {
    expect(normalizePhone('+2250707070707')).toBe('+2250707070707');
  });

  it.each(['', '   ', 'garbage', '+', '+229', '0', '12345', '+2290197000001000', 'call me'])(
    'refuses %j',
    (input) => {
      expect(normalizePhone(input)).toBeNull();
    },
  );
});

describe('phoneSchema', () => {
  it('outputs E.164', () => {
    expect(phoneSchema.parse(' 01 97 00 00 01 ')).toBe('+2290197000001');
  });

  it.each(['97000001', 'garbage', '', 'x'.repeat(40)])('refuses %j', (input) => {
    expect(phoneSchema.safeParse(input).success).toBe(false);
  });

  it('reports an invalid number with the message "phone"', () => {
    const result = phoneSchema.safeParse('97000001');
    expect(result.error?.issues.map((i) => i.message)).toEqual(['phone']);
  });
});

describe('normalizeMobile', () => {
  it('gives the E.164 form of a mobile number, national or international', () => {
    expect(normalizeMobile('0197000001')).toBe('+2290197000001');
    expect(normalizeMobile(' +229 01 97 00 00 01 ')).toBe('+2290197000001');
  });

  it.each([
    ['garbage', 'hello'],
    ['too short', '+22912'],
    ['an injection', "' OR 1=1--"],
    ['a retired 8-digit number', '97000001'],
    ['a fixed line', '+2290121300000'],
    ['a toll-free number', '+18005550100'],
    ['a premium-rate number', '+19005550100'],
  ])('refuses %s', (_, input) => {
    expect(normalizeMobile(input)).toBeNull();
  });
});
