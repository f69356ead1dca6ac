import { shapeSms, smsSegments } from '../../../src/notifications/segments';

const gsm = (n: number) => 'a'.repeat(n);

describe('shapeSms', () => {
  it('folds French copy to GSM-7 and keeps the characters GSM-7 has', () => {
    expect(shapeSms('Reçu : dépôt de 5 000 FCFA, “merci” – à bientôt…')).toEqual({
      body: 'Recu : dépot de 5 000 FCFA, "merci" - à bientot...',
      encoding: 'GSM-7',
      segments: 1,
    });
  });

  it('counts 160 septets as one part, 161 as two, 306 as two and 307 as three', () => {
    expect(shapeSms(gsm(160)).segments).toBe(1);
    expect(shapeSms(gsm(161)).segments).toBe(2);
    expect(shapeSms(gsm(306)).segments).toBe(2);
    expect(shapeSms(gsm(307)).segments).toBe(3);
  });

  it('counts an extension character (€ [ ] { } ^ ~ | \\) as two septets', () => {
    expect(shapeSms(gsm(158) + '€')).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(shapeSms(gsm(159) + '€')).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(shapeSms(gsm(150) + '[]').segments).toBe(1);
  });

  it('never sends UCS-2 after folding: what GSM-7 lacks becomes its nearest letter or ?', () => {
    expect(shapeSms('Ɔkɛ 😀')).toMatchObject({ encoding: 'GSM-7' });
  });
});

describe('smsSegments (unfolded text)', () => {
  it('one non-GSM character makes the whole text UCS-2: 70 units a part, 67 when split', () => {
    expect(smsSegments(gsm(69) + 'ê')).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(smsSegments(gsm(70) + 'ê')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(smsSegments(gsm(133) + 'ê')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(smsSegments(gsm(134) + 'ê')).toMatchObject({ encoding: 'UCS-2', segments: 3 });
  });
});
