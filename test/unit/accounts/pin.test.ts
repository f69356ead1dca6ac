import { isWeakPin, pinSchema } from '../../../src/accounts/pin';

describe('isWeakPin', () => {
  it.each(['0000', '1111', '9999', '1234', '0123', '6789', '9876', '4321', '3210'])(
    '%s is weak (a repeated digit or a run)',
    (pin) => {
      expect(isWeakPin(pin)).toBe(true);
    },
  );

  // Only repeats and runs are in the rule; keypad shapes such as 2580 are outside it, so not pinned here.
  it.each(['4827', '1357', '5820', '1122', '1212', '8901', '2109', '1235'])('%s is not weak', (pin) => {
    expect(isWeakPin(pin)).toBe(false);
  });
});

describe('pinSchema', () => {
  it('accepts a 4-digit PIN that is not weak', () => {
    expect(pinSchema.parse('4827')).toBe('4827');
  });

  it.each(['1234', '0000', '9876'])('refuses the weak PIN %s as weak_pin', (pin) => {
    const result = pinSchema.safeParse(pin);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['weak_pin']);
  });

  it.each(['', '482', '48271', 'abcd', '48a7', ' 4827', '4827 ', '48.2', '-482', '\u0664\u0668\u0662\u0667'])(
    'refuses %j: not 4 digits',
    (pin) => {
      const result = pinSchema.safeParse(pin);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.message)).toContain('PIN must be 4 digits');
    },
  );

  it.each([4827, null, undefined])('refuses a non-string %p', (pin) => {
    expect(pinSchema.safeParse(pin).success).toBe(false);
  });
});
