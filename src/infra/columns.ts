import type { ValueTransformer } from 'typeorm';

/** mysql2 returns BIGINT as a string: convert once, here, to a safe integer (money is integer XOF). */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => {
    if (value === null || value === undefined) return value;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new Error(`BIGINT out of safe range: ${String(value)}`);
    return n;
  },
};

/** Booleans come back as 0/1 from both drivers. */
export const booleanFlag: ValueTransformer = {
  to: (value: boolean | null | undefined) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Boolean(value)),
};
