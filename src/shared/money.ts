/** 1500000 → "1 500 000" (plain spaces: GSM-7 has no narrow no-break space). Amounts are integer XOF. */
export const formatXof = (amount: number) => String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
